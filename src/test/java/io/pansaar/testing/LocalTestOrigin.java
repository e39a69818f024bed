package io.pansaar.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link TestOrigin} of its own for a test class that starts no application in its JVM: register it as a static
 * {@code @RegisterExtension} field, and it serves from before the first test to after the last.
 */
public final class LocalTestOrigin implements BeforeAllCallback, AfterAllCallback {

    private TestOrigin origin;

    @Override
    public void beforeAll(ExtensionContext context) {
        origin = TestOrigin.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        origin.close();
    }

    /** The running origin. */
    public TestOrigin origin() {
        return origin;
    }
}
