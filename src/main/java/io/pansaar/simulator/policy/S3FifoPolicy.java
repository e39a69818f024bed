package io.pansaar.simulator.policy;

import io.pansaar.simulator.trace.Request;

/**
 * S3-FIFO: a small FIFO (10% of the bytes) filters one-hit wonders, a main FIFO with 2-bit frequencies
 * reinserts reused objects, a ghost FIFO of ids evicted from small sends returning objects straight to
 * main (<a href="https://doi.org/10.1145/3600006.3613147">Yang et al., SOSP 2023</a>).
 */
public final class S3FifoPolicy extends SizedPolicy {

    private final S3FifoQueues queues;

    /** Creates an S3-FIFO cache of the given bytes. */
    public S3FifoPolicy(long capacity) {
        super("s3fifo", capacity);
        queues = new S3FifoQueues(capacity, stats::recordEviction);
    }

    @Override
    public void record(Request request) {
        S3FifoQueues.Entry entry = queues.get(request.id());
        if (entry != null) {
            stats.recordHit(request.size());
            queues.touch(entry);
            return;
        }
        stats.recordMiss(request.size());
        if (request.size() > capacity) {
            return;
        }
        queues.admit(request.id(), request.size());
        usedBytes = queues.usedBytes();
    }

    @Override
    public void finished() {
        super.finished();
        queues.checkInvariants("s3fifo");
    }

    @Override
    protected long residentBytes() {
        return queues.residentBytesRecounted();
    }
}
