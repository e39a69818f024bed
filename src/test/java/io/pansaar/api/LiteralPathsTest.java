package io.pansaar.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LiteralPathsTest {

    @ParameterizedTest
    @ValueSource(strings = { "/api/status", "/api/status/", "/api/dead-letters", "/api/dead-letters/3/1732874400000-0/retry",
            "/api/dead-letters/x/1.5", "/api/regenerations" })
    void pathsWrittenAsRoutesAreLiteral(String path) {
        assertTrue(LiteralPaths.isLiteral(path), path);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "api/status", "/", "/api/status;x=1", "/api;v=2/status", "/api/%73tatus", "//api/status",
            "/api//status", "/api/./status", "/api/../api/status", "/images/%2E%2E/api/status", "/api/dead-letters/%30/1-0",
            "/api/status/..", "/api/status?x=1", "/api/stat us", "/api/státus" })
    void pathsTheRouterHadToRewriteAreNot(String path) {
        assertFalse(LiteralPaths.isLiteral(path), path);
    }
}
