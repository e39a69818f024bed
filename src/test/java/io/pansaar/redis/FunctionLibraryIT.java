package io.pansaar.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.pansaar.testing.RedisServerResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class FunctionLibraryIT {

    @Inject
    FunctionLibrary library;

    @Inject
    RedisDataSource redis;

    @Test
    void isLoadedAtStartUpWithItsVersion() {
        assertEquals(library.version(), redis.execute("FCALL", "pansaar_version", "0").toString());
        assertTrue(library.version().startsWith(FunctionLibrary.API_VERSION + "+"));
    }

    @Test
    void loadingAgainChangesNothingAndAnOldLibraryIsReplaced() {
        library.loadEverywhere().await().indefinitely();
        assertEquals(library.version(), redis.execute("FCALL", "pansaar_version", "0").toString());

        // A library of the same API version with other content, as left by an earlier build.
        String older = library.code().replace(library.version(), FunctionLibrary.API_VERSION + "+000000000000");
        redis.execute("FUNCTION", "LOAD", "REPLACE", older);
        library.loadEverywhere().await().indefinitely();
        assertEquals(library.version(), redis.execute("FCALL", "pansaar_version", "0").toString());
    }

    @Test
    void refusesToReplaceANewerApiVersion() {
        String newer = library.code().replace(library.version(), (FunctionLibrary.API_VERSION + 1) + "+ffffffffffff");
        redis.execute("FUNCTION", "LOAD", "REPLACE", newer);
        try {
            // Its own type: start-up waits out other failures, but stops at this one.
            FunctionLibrary.LibraryConflictException error = org.junit.jupiter.api.Assertions.assertThrows(
                    FunctionLibrary.LibraryConflictException.class,
                    () -> library.loadEverywhere().await().indefinitely());
            assertTrue(error.getMessage().contains("newer than this deployment"), error.getMessage());
        } finally {
            redis.execute("FUNCTION", "LOAD", "REPLACE", library.code());
        }
    }
}
