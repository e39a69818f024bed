package io.pansaar.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.channel.DefaultEventLoop;

/** One timer per event loop fails exactly the reads still waiting at their deadlines, none before. */
class ReadDeadlinesTest {

    private final DefaultEventLoop eventLoop = new DefaultEventLoop();
    private final ReadDeadlines deadlines = new ReadDeadlines(eventLoop);

    /** A read whose deadline is {@code millis} from its creation; it records when it expired. */
    private static final class Read implements ReadDeadlines.Watched {

        final long deadlineNanos;
        final CompletableFuture<Long> expiredAt = new CompletableFuture<>();
        boolean settled;

        Read(long millis) {
            this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        }

        @Override
        public long deadlineNanos() {
            return deadlineNanos;
        }

        @Override
        public boolean settled() {
            return settled;
        }

        @Override
        public void expire() {
            settled = true;
            expiredAt.complete(System.nanoTime());
        }
    }

    @AfterEach
    void stop() {
        eventLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    @Test
    void onlyTheReadsStillWaitingExpireAndNoneBeforeItsDeadline() throws Exception {
        List<Read> reads = onLoop(() -> {
            List<Read> sent = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                Read read = new Read(20 + i);
                assertTrue(deadlines.watch(read));
                sent.add(read);
            }
            // Every other read is answered, the oldest first, as replies come.
            for (int i = 0; i < sent.size(); i += 2) {
                sent.get(i).settled = true;
                deadlines.settled();
            }
            return sent;
        });
        for (int i = 1; i < reads.size(); i += 2) {
            long expiredAt = reads.get(i).expiredAt.get(10, TimeUnit.SECONDS);
            assertTrue(expiredAt - reads.get(i).deadlineNanos >= 0, "read " + i + " expired before its deadline");
        }
        // Long past the last deadline: the answered reads never expired.
        onLoop(() -> null);
        for (int i = 0; i < reads.size(); i += 2) {
            assertFalse(reads.get(i).expiredAt.isDone(), "answered read " + i + " expired");
        }
    }

    @Test
    void aReadSentLaterWithAnEarlierDeadlineIsLeftToATimerOfItsOwn() throws Exception {
        Read longer = new Read(60_000);
        Read shorter = new Read(10);
        assertTrue(onLoop(() -> deadlines.watch(longer)));
        assertFalse(onLoop(() -> deadlines.watch(shorter)));
        assertTrue(onLoop(() -> deadlines.watch(new Read(60_000))));
    }

    @Test
    void readsSentAfterTheQueueEmptiedAreWatchedAgain() throws Exception {
        Read first = new Read(10);
        onLoop(() -> deadlines.watch(first));
        first.expiredAt.get(10, TimeUnit.SECONDS);
        Read second = new Read(10);
        onLoop(() -> deadlines.watch(second));
        assertEquals(Boolean.TRUE, second.expiredAt.thenApply(at -> at - second.deadlineNanos >= 0)
                .get(10, TimeUnit.SECONDS));
    }

    private <T> T onLoop(Supplier<T> work) throws Exception {
        return eventLoop.submit(work::get).get(10, TimeUnit.SECONDS);
    }
}
