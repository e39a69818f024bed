package io.pansaar.ops;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * A value read from Redis and shared by every caller for a period, so the number of callers does not
 * change what Redis is asked.
 *
 * <p>A caller gets the last read when it started less than {@code period} ago, joins the read in flight
 * when there is one, and otherwise starts the next read. At most one read runs at a time, so a slow
 * Redis never piles up reads. A failed read is shared like a value, but only for the rest of its period:
 * the next caller after that reads again.
 *
 * @param <T> the value
 */
public final class SharedSnapshot<T> {

    private final Supplier<Uni<T>> read;
    private final long periodNanos;
    private final LongSupplier nanoClock;
    private final AtomicReference<Read<T>> latest = new AtomicReference<>();

    /** A snapshot that reads with {@code read} at most once per {@code period}. */
    public SharedSnapshot(Duration period, Supplier<Uni<T>> read) {
        this(period, read, System::nanoTime);
    }

    SharedSnapshot(Duration period, Supplier<Uni<T>> read, LongSupplier nanoClock) {
        this.read = read;
        this.periodNanos = period.toNanos();
        this.nanoClock = nanoClock;
    }

    /** The current value: the last read's if it is recent or still running, otherwise a new read's. */
    public Uni<T> get() {
        // A copy per caller: one caller cancelling (a client that hung up) must not cancel the shared read.
        return Uni.createFrom().completionStage(() -> current().result().copy());
    }

    private Read<T> current() {
        while (true) {
            Read<T> seen = latest.get();
            long now = nanoClock.getAsLong();
            if (seen != null && (!seen.result().isDone() || now - seen.startedNanos() < periodNanos)) {
                return seen;
            }
            Read<T> next = new Read<>(now, new CompletableFuture<>());
            if (latest.compareAndSet(seen, next)) {
                Uni.createFrom().<T>deferred(read::get).subscribe().with(next.result()::complete,
                        next.result()::completeExceptionally);
                return next;
            }
        }
    }

    /** One read: when it started, and its value or failure once it has one. */
    private record Read<T>(long startedNanos, CompletableFuture<T> result) {
    }
}
