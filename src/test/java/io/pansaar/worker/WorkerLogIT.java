package io.pansaar.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.logging.Level;
import java.util.stream.Collectors;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.logging.TraceLog;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.LogCapture;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.logging.json.runtime.JsonFormatter;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * What the worker writes to the log, against a real Redis and origin: no INFO line per job, one summary per
 * {@code pansaar.log.summary-interval} (1s in tests) with the counts of what happened and none when nothing did, and
 * a job's trace id (its traceparent's, or a new one) on every line of that job, in the console and the JSON format.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class WorkerLogIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String WORKER_LOGGER = RegenerationWorker.class.getName();
    private static final String SUMMARY_LOGGER = WorkerLogSummary.class.getName();
    private static final Pattern SUMMARY = Pattern.compile("worker, last 1s: (\\d+) regenerated, (\\d+) not modified, "
            + "(\\d+) negative, (\\d+) deduplicated, (\\d+) failed, (\\d+) dead-lettered, (\\d+) deferred");
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Test
    void jobsWriteNoInfoLineAndTheSummariesCountWhatTheyDid() {
        try (LogCapture captured = LogCapture.start()) {
            awaitQuietSecond(captured);
            Instant quietSince = Instant.now();
            List<ImageKey> images = new ArrayList<>();
            for (int index = 0; index < 6; index++) {
                ImageKey key = TestKeys.unique("avatars", "png");
                origin.serve(key.value(), Reply.image(TestImages.png(1_000 + index), "image/png"));
                images.add(key);
            }
            ImageKey revalidated = images.get(0);
            origin.serveInTurn(revalidated.value(), Reply.image(TestImages.png(900), "image/png").withETag("\"v1\""),
                    Reply.status(304).withETag("\"v1\""));
            List<ImageKey> missing = List.of(TestKeys.unique("avatars", "png"), TestKeys.unique("avatars", "png"));
            missing.forEach(key -> origin.serve(key.value(), Reply.status(404)));
            ImageKey forbidden = TestKeys.unique("avatars", "png");
            origin.serve(forbidden.value(), Reply.status(403));

            images.forEach(key -> publish(key, Map.of()));
            missing.forEach(key -> publish(key, Map.of()));
            publish(forbidden, Map.of());
            await().atMost(WAIT).until(() -> images.stream().allMatch(this::cached)
                    && missing.stream().allMatch(this::cached) && deadLetters(forbidden) == 1);
            // A manual job for a cached image: the origin answers 304 this time.
            publish(revalidated, Map.of("reason", "manual"));
            await().atMost(WAIT).until(() -> origin.fetches(revalidated.value()) == 2 && allJobsDone());

            // regenerated, not modified, negative, deduplicated, failed, dead-lettered, deferred
            List<Long> expected = List.of(6L, 1L, 2L, 0L, 1L, 1L, 0L);
            await().atMost(WAIT).until(() -> summedSummaries(captured, quietSince).equals(expected));
            Instant done = Instant.now();
            List<String> summaries = summariesSince(captured, quietSince);
            assertTrue(summaries.size() >= 1 && summaries.size() <= 3, "one summary a second while jobs ran: " + summaries);

            await().pollDelay(Duration.ofMillis(2_500)).atMost(WAIT).until(() -> true);
            assertEquals(List.of(), summariesSince(captured, done), "an idle worker logs no summary");
            Set<String> keys = new HashSet<>();
            images.forEach(key -> keys.add(key.value()));
            missing.forEach(key -> keys.add(key.value()));
            List<String> perJobInfo = captured.recordsOf(WORKER_LOGGER).stream()
                    .filter(record -> record.getLevel().intValue() == Level.INFO.intValue())
                    .map(ExtLogRecord::getFormattedMessage)
                    .filter(message -> keys.stream().anyMatch(message::contains)).toList();
            assertEquals(List.of(), perJobInfo, "jobs that worked log nothing at INFO");
            // The dead-lettered job's warnings, the worker's and the stream consumer's, share one trace id.
            List<ExtLogRecord> forbiddenLines = captured.recordsOf("io.pansaar").stream()
                    .filter(record -> record.getFormattedMessage().contains(forbidden.value())).toList();
            assertTrue(forbiddenLines.stream().map(ExtLogRecord::getLoggerName).distinct().count() >= 2,
                    "the worker and the consumer logged the dead-lettered job: " + forbiddenLines.size());
            Set<String> forbiddenIds = traceIdsOf(forbiddenLines);
            assertEquals(1, forbiddenIds.size(), forbiddenIds.toString());
            assertTrue(forbiddenIds.iterator().next().matches("[0-9a-f]{32}"), forbiddenIds.toString());
        }
    }

    @Test
    void everyLineOfAJobCarriesItsTraceIdInTheConsoleAndTheJsonFormat() throws Exception {
        try (LogCapture captured = LogCapture.start().withDebug("io.pansaar.worker")) {
            ImageKey traced = TestKeys.unique("avatars", "png");
            // A first answer of 500 gives the job a WARN line as well as its DEBUG ones.
            origin.serveAfterFailures(traced.value(), 1, Reply.status(500), Reply.image(TestImages.png(1_200), "image/png"));
            ImageKey untraced = TestKeys.unique("avatars", "png");
            origin.serve(untraced.value(), Reply.image(TestImages.png(1_300), "image/png"));
            publish(traced, Map.of("traceparent", TRACEPARENT));
            publish(untraced, Map.of());
            await().atMost(WAIT).until(() -> cached(traced) && cached(untraced)
                    && linesOf(captured, traced).stream().anyMatch(record -> record.getFormattedMessage().startsWith("regenerated"))
                    && linesOf(captured, untraced).stream().anyMatch(record -> record.getFormattedMessage().startsWith("regenerated")));

            List<ExtLogRecord> tracedLines = linesOf(captured, traced);
            assertTrue(tracedLines.stream().anyMatch(record -> record.getLevel().getName().equals("WARN")
                    && record.getFormattedMessage().contains("delivery 1 of")), "the failed delivery was logged");
            assertEquals(Set.of(TRACE_ID), traceIdsOf(tracedLines), "the traceparent's trace id on every line");
            Set<String> untracedIds = traceIdsOf(linesOf(captured, untraced));
            assertEquals(1, untracedIds.size(), "one trace id for all lines of a job without traceparent: " + untracedIds);
            String newTraceId = untracedIds.iterator().next();
            assertTrue(newTraceId.matches("[0-9a-f]{32}") && !newTraceId.equals("0".repeat(32)), newTraceId);
            assertNotEquals(TRACE_ID, newTraceId);

            ExtLogRecord regenerated = tracedLines.stream()
                    .filter(record -> record.getFormattedMessage().startsWith("regenerated")).findFirst().orElseThrow();
            String consoleFormat = ConfigProvider.getConfig().getValue("quarkus.log.console.format", String.class);
            String consoleLine = new PatternFormatter(consoleFormat).format(regenerated);
            assertTrue(consoleLine.contains(") " + TRACE_ID + " regenerated " + traced.value()), consoleLine);
            JsonNode json = new ObjectMapper().readTree(new JsonFormatter().format(regenerated));
            assertEquals(TRACE_ID, json.path("mdc").path(TraceLog.TRACE_ID).asText(), json.toString());
        }
    }

    private static List<ExtLogRecord> linesOf(LogCapture captured, ImageKey key) {
        return captured.recordsOf(WORKER_LOGGER).stream()
                .filter(record -> record.getFormattedMessage().contains(key.value())).toList();
    }

    private static Set<String> traceIdsOf(List<ExtLogRecord> records) {
        return records.stream().map(record -> String.valueOf(record.getMdc(TraceLog.TRACE_ID))).collect(Collectors.toSet());
    }

    /** Waits until a whole second went by without a summary, so no earlier jobs' counts are still to come. */
    private static void awaitQuietSecond(LogCapture captured) {
        Instant opened = Instant.now();
        await().atMost(WAIT).until(() -> {
            Instant now = Instant.now();
            Instant since = now.minusMillis(1_500);
            return opened.isBefore(since) && summariesSince(captured, since).isEmpty();
        });
    }

    private static List<String> summariesSince(LogCapture captured, Instant since) {
        return captured.recordsOf(SUMMARY_LOGGER).stream().filter(record -> !record.getInstant().isBefore(since))
                .map(ExtLogRecord::getFormattedMessage).toList();
    }

    /** The counts of the summaries logged since {@code since}, added up, in the order the summary names them. */
    private static List<Long> summedSummaries(LogCapture captured, Instant since) {
        long[] sums = new long[7];
        for (String summary : summariesSince(captured, since)) {
            Matcher matcher = SUMMARY.matcher(summary);
            assertTrue(matcher.matches(), "a summary as documented: " + summary);
            for (int group = 1; group <= 7; group++) {
                sums[group - 1] += Long.parseLong(matcher.group(group));
            }
        }
        List<Long> counts = new ArrayList<>();
        for (long sum : sums) {
            counts.add(sum);
        }
        return counts;
    }

    private void publish(ImageKey key, Map<String, String> extra) {
        Map<String, String> fields = new HashMap<>(extra);
        fields.put("key", key.value());
        fields.putIfAbsent("reason", "miss");
        redis.stream(String.class).xadd(RedisKeys.jobs(partitioner.partitionOf(key)), fields);
    }

    private boolean cached(ImageKey key) {
        return redis.key().exists(RedisKeys.image(partitioner.partitionOf(key), key));
    }

    private long deadLetters(ImageKey key) {
        return redis.stream(String.class).xrange(RedisKeys.deadLetters(partitioner.partitionOf(key)),
                StreamRange.of("-", "+")).stream()
                .filter(entry -> key.value().equals(entry.payload().get("key"))).count();
    }

    private boolean allJobsDone() {
        for (int partition = 0; partition < partitioner.partitions(); partition++) {
            if (redis.stream(String.class).xlen(RedisKeys.jobs(partition)) > 0) {
                return false;
            }
        }
        return true;
    }
}
