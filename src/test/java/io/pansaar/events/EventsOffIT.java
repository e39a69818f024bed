package io.pansaar.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.NoEventsProfile;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/** pansaar.events.max-length 0 turns events off: writes, purges and evictions append nothing, no events key exists. */
@QuarkusTest
@TestProfile(NoEventsProfile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class EventsOffIT {

    private static final Duration WAIT = Duration.ofSeconds(30);


    @Inject
    ImageStore store;

    @Inject
    PansaarFunctions functions;

    @Inject
    Partitioner partitioner;

    @Inject
    RedisDataSource redis;

    @Test
    void aCapOfZeroAppendsNoEventAtAll() {
        ImageKey purged = TestKeys.unique("avatars", "png");
        int partition = partitioner.partitionOf(purged);
        ImageKey evicted;
        do {
            evicted = TestKeys.unique("avatars", "png");
        } while (partitioner.partitionOf(evicted) != partition);
        StoredImages.write(store, purged, 1_000, Duration.ofHours(1));
        StoredImages.write(store, evicted, 1_000, Duration.ofHours(1));
        assertEquals(1, store.purge(List.of(purged), true).await().atMost(WAIT).purged());
        assertEquals(1, store.purge(List.of(purged), false).await().atMost(WAIT).purged());
        String holder = "events-off-" + UUID.randomUUID();
        assertTrue(functions.acquireLease(partition, holder, 10_000).await().atMost(WAIT));
        try {
            assertEquals(1, functions.evict(partition, holder, Optional.of(0L), 10).await().atMost(WAIT).evicted());
        } finally {
            functions.releaseLease(partition, holder).await().atMost(WAIT);
        }

        // The writes and the eviction took place, and were counted, with events off.
        assertEquals("2", redis.hash(String.class).hget(RedisKeys.stats(partition), "regenerated"));
        assertEquals("1", redis.hash(String.class).hget(RedisKeys.stats(partition), "evicted"));
        for (int p = 0; p < partitioner.partitions(); p++) {
            assertFalse(redis.key().exists(RedisKeys.events(p)), "no events stream in partition " + p);
        }
    }
}
