package io.pansaar.store;

import java.time.Duration;
import java.util.Optional;

import io.pansaar.redis.PooledReplies;
import io.pansaar.redis.function.ReadOutcome;
import io.vertx.core.buffer.Buffer;

/**
 * The result of one read.
 *
 * @param outcome what the read found
 * @param content the image bytes as Redis' reply holds them, served without a copy; present for the outcomes that
 *        {@linkplain ReadOutcome#servesCopy() serve a copy}. From {@link ImageStore#read(io.pansaar.key.ImageKey,
 *        io.vertx.core.Handler)} it may be a pooled buffer, to be {@linkplain #release() released} once
 * @param contentType the stored media type; present with the body
 * @param etag the stored entity tag (the origin's, quoted as the origin sent it); present with the body when the origin gave one
 * @param digest the body's SHA-256 in hex, stored when it was written; present with the body
 * @param freshFor how long the copy stays fresh; zero unless {@link ReadOutcome#HIT}
 * @param enqueued whether this read enqueued a job (false when one was already pending)
 * @param jobId the job stream entry id when this read enqueued a job
 * @param negativeStatus the origin's status code for {@link ReadOutcome#NEGATIVE}
 * @param recorded whether the bookkeeping function recorded the read (and could enqueue a job); false when it
 *        failed and the result comes from the plain read alone
 */
public record ReadResult(ReadOutcome outcome, Optional<Buffer> content, Optional<String> contentType,
        Optional<String> etag, Optional<String> digest, Duration freshFor, boolean enqueued,
        Optional<String> jobId, Optional<Integer> negativeStatus, boolean recorded) {

    /** The image bytes, copied out of the reply; present with the content. */
    public Optional<byte[]> body() {
        return content.map(Buffer::getBytes);
    }

    /** Releases the content's pooled buffer, if it is one; the result's content must not be read afterwards. */
    public void release() {
        content.ifPresent(PooledReplies::release);
    }

    /** This result with its content on the heap: itself, or a copy whose pooled buffer is released. */
    public ReadResult onHeap() {
        if (content.isEmpty() || !PooledReplies.isPooled(content.get())) {
            return this;
        }
        return new ReadResult(outcome, content.map(PooledReplies::onHeap), contentType, etag, digest, freshFor, enqueued,
                jobId, negativeStatus, recorded);
    }
}
