package io.pansaar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;

class SharedSnapshotTest {

    private static final Duration PERIOD = Duration.ofSeconds(1);

    /** The reads the snapshot started, each completed by the test when it chooses. */
    private final List<CompletableFuture<String>> reads = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final SharedSnapshot<String> snapshot = new SharedSnapshot<>(PERIOD, () -> {
        CompletableFuture<String> read = new CompletableFuture<>();
        reads.add(read);
        return Uni.createFrom().completionStage(read);
    }, now::get);

    @Test
    void callersDuringAReadShareItAndCallersWithinThePeriodShareItsValue() {
        List<UniAssertSubscriber<String>> callers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            callers.add(snapshot.get().subscribe().withSubscriber(UniAssertSubscriber.create()));
        }
        assertEquals(1, reads.size(), "50 callers during one read start one read");
        reads.get(0).complete("first");
        callers.forEach(caller -> caller.assertItem("first"));

        now.addAndGet(PERIOD.toNanos() - 1);
        assertEquals("first", snapshot.get().await().indefinitely());
        assertEquals(1, reads.size());

        now.addAndGet(1);
        UniAssertSubscriber<String> afterThePeriod = snapshot.get().subscribe().withSubscriber(UniAssertSubscriber.create());
        assertEquals(2, reads.size(), "a period after the first read started, the next caller reads again");
        reads.get(1).complete("second");
        afterThePeriod.assertItem("second");
    }

    @Test
    void aSlowReadIsSharedPastItsPeriodInsteadOfPilingUpReads() {
        UniAssertSubscriber<String> first = snapshot.get().subscribe().withSubscriber(UniAssertSubscriber.create());
        now.addAndGet(PERIOD.multipliedBy(5).toNanos());
        UniAssertSubscriber<String> later = snapshot.get().subscribe().withSubscriber(UniAssertSubscriber.create());
        assertEquals(1, reads.size());
        reads.get(0).complete("slow");
        first.assertItem("slow");
        later.assertItem("slow");
        // Its value is stale by now: the next caller reads again.
        snapshot.get().subscribe().withSubscriber(UniAssertSubscriber.create());
        assertEquals(2, reads.size());
    }

    @Test
    void aFailureIsSharedOnlyForTheRestOfItsPeriod() {
        UniAssertSubscriber<String> failed = snapshot.get().subscribe().withSubscriber(UniAssertSubscriber.create());
        reads.get(0).completeExceptionally(new IllegalStateException("Redis did not answer"));
        failed.assertFailedWith(IllegalStateException.class, "Redis did not answer");
        assertThrows(IllegalStateException.class, () -> snapshot.get().await().indefinitely());
        assertEquals(1, reads.size(), "within its period the failure is shared, not retried by every caller");

        now.addAndGet(PERIOD.toNanos());
        UniAssertSubscriber<String> recovered = snapshot.get().subscribe().withSubscriber(UniAssertSubscriber.create());
        assertEquals(2, reads.size());
        reads.get(1).complete("back");
        recovered.assertItem("back");
    }

    @Test
    void aCallerThatHangsUpDoesNotCancelTheReadOthersWaitFor() {
        UniAssertSubscriber<String> leaving = snapshot.get().subscribe().withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<String> staying = snapshot.get().subscribe().withSubscriber(UniAssertSubscriber.create());
        leaving.cancel();
        assertFalse(reads.get(0).isCancelled());
        reads.get(0).complete("value");
        staying.assertItem("value");
        assertTrue(reads.get(0).isDone());
    }

    @Test
    void aReadThatThrowsBeforeReturningAUniIsAFailureLikeAnother() {
        SharedSnapshot<String> throwing = new SharedSnapshot<>(PERIOD, () -> {
            throw new IllegalStateException("no connection");
        }, now::get);
        assertThrows(IllegalStateException.class, () -> throwing.get().await().indefinitely());
    }
}
