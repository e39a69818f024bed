package io.pansaar.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;

/**
 * The event loops that jobs run on, taken in turn: one event-loop context per loop of the Vert.x event-loop group,
 * each job in a duplicate of its loop's context.
 *
 * <p>Why: a job's Redis calls (on the calling loop's own pipelined connection), its origin fetch (on the calling
 * context) and every callback between them continue on the context the job started on. The stream consumer hands
 * out all entries from its one read connection's context, so without this every job ran on that single event loop,
 * and a worker process used at most one core for its jobs whatever {@code pansaar.worker.concurrency} was
 * (docs/benchmarks.md, Regenerations).
 *
 * <p>What stays on one loop is a job: its calls go one after another, each waiting for its reply, so nothing relies
 * on two jobs sharing a connection. The duplicate gives each job its own context-local data, as Quarkus gives each
 * HTTP request, while it runs on its loop's thread.
 */
final class JobContexts {

    private final List<ContextInternal> eventLoops;
    private final AtomicInteger next = new AtomicInteger();

    JobContexts(Vertx vertx) {
        VertxInternal internal = (VertxInternal) vertx;
        ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
        List<ContextInternal> contexts = new ArrayList<>();
        // One context per loop, each on its own loop: createEventLoopContext() would take the group's next loop,
        // which other callers advance too, and could give two contexts the same loop.
        for (EventExecutor loop : internal.nettyEventLoopGroup()) {
            contexts.add(internal.createEventLoopContext((EventLoop) loop, internal.getWorkerPool(), classLoader));
        }
        this.eventLoops = List.copyOf(contexts);
    }

    /** Runs {@code job} on the next event loop in turn, in a context of its own. */
    void run(Runnable job) {
        ContextInternal loop = eventLoops.get(Math.floorMod(next.getAndIncrement(), eventLoops.size()));
        loop.duplicate().runOnContext(ignored -> job.run());
    }

    /** How many event loops jobs are spread over. */
    int eventLoops() {
        return eventLoops.size();
    }
}
