package io.pansaar.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives a {@code @QuarkusTest} a real HTTP origin: starts a {@link TestOrigin}, points
 * {@code pansaar.origin.base-url} at it, and injects it into the test's fields annotated
 * {@link InjectTestOrigin}.
 *
 * <pre>{@code
 * @QuarkusTest
 * @QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
 * @QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
 * class WorkerIT {
 *     @InjectTestOrigin
 *     TestOrigin origin;
 * }
 * }</pre>
 */
public class TestOriginResource implements QuarkusTestResourceLifecycleManager {

    private TestOrigin origin;

    @Override
    public Map<String, String> start() {
        origin = TestOrigin.start();
        return Map.of("pansaar.origin.base-url", origin.baseUrl());
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(origin, new TestInjector.AnnotatedAndMatchesType(InjectTestOrigin.class, TestOrigin.class));
    }

    @Override
    public void stop() {
        if (origin != null) {
            origin.close();
        }
    }
}
