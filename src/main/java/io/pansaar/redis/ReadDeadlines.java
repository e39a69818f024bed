package io.pansaar.redis;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.EventExecutor;

/**
 * The timeouts of the reads sent from one event loop, kept by one timer on that loop rather than one each: a timer
 * of its own cost every read an insertion into the loop's queue of scheduled tasks and a removal once answered,
 * 8% of a hit's CPU samples. Reads that share a timeout expire in the order they were sent, and are answered in that
 * order too, so a queue in sending order holds them, and one timer, set for the oldest read's deadline, serves them
 * all. A read still times out at its own deadline.
 *
 * <p>Used from the event loop's thread.
 */
final class ReadDeadlines implements Runnable {

    /** A read whose deadline is watched. */
    interface Watched {

        /** When it times out, by {@link System#nanoTime()}. */
        long deadlineNanos();

        /** True once it has its answer or has failed: it needs watching no more. */
        boolean settled();

        /** Its deadline has passed: it fails with a timeout. */
        void expire();
    }

    private final EventExecutor eventLoop;
    /** The reads watched, in sending order, so by deadline too; settled ones leave as they reach the front. */
    private final ArrayDeque<Watched> watched = new ArrayDeque<>();
    /** Whether the timer is set, for a deadline no later than the oldest read's. */
    private boolean timerSet;

    ReadDeadlines(EventExecutor eventLoop) {
        this.eventLoop = eventLoop;
    }

    /**
     * Watches {@code read}'s deadline; false, watching nothing, when the deadline is earlier than that of a read sent
     * before it (its timeout is shorter), which then needs a timer of its own.
     */
    boolean watch(Watched read) {
        Watched newest = watched.peekLast();
        if (newest != null && read.deadlineNanos() < newest.deadlineNanos()) {
            return false;
        }
        watched.addLast(read);
        if (!timerSet) {
            setTimer(read.deadlineNanos());
        }
        return true;
    }

    /** Lets the settled reads at the front go, so that the queue holds only the reads still waiting. */
    void settled() {
        if (!eventLoop.inEventLoop()) {
            eventLoop.execute(this::settled);
            return;
        }
        while (!watched.isEmpty() && watched.peekFirst().settled()) {
            watched.pollFirst();
        }
    }

    /** The timer: fails every read whose deadline has passed, and sets itself for the next one. */
    @Override
    public void run() {
        timerSet = false;
        long now = System.nanoTime();
        for (Watched oldest = watched.peekFirst(); oldest != null; oldest = watched.peekFirst()) {
            if (!oldest.settled() && oldest.deadlineNanos() - now > 0) {
                setTimer(oldest.deadlineNanos());
                return;
            }
            watched.pollFirst();
            if (!oldest.settled()) {
                oldest.expire();
            }
        }
    }

    private void setTimer(long deadlineNanos) {
        timerSet = true;
        eventLoop.schedule(this, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
}
