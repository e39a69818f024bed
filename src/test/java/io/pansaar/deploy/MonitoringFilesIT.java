package io.pansaar.deploy;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.origin.OriginId;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * The Grafana dashboard and the Prometheus alerting rules under deploy/ against this application's real
 * {@code /q/metrics}, scraped after it ran jobs against a real Redis and origin: every metric their PromQL names is
 * exported. Also the meters added for them show what they describe: this process reading, the origin's Retry-After
 * pause, the memory budget, the warm lane's queue.
 */
@QuarkusTest
@TestProfile(MonitoringFilesIT.BudgetProfile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class MonitoringFilesIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long BUDGET = 64L * 1024 * 1024;
    private static final int PARTITIONS = 16;

    /** A memory budget, so that {@code pansaar_cache_budget_bytes} exists as it does in a deployment that sets one. */
    public static class BudgetProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pansaar.memory-budget", String.valueOf(BUDGET));
        }
    }

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Test
    void everyMetricTheDashboardAndTheAlertRulesNameIsExported() throws IOException {
        // A few jobs of every kind: regenerated, answered 404 by the origin, dead-lettered (not an image); and reads.
        List<ImageKey> images = List.of(key("avatars"), key("avatars"), key("thumbnails"));
        images.forEach(image -> origin.serve(image.value(), Reply.image(TestImages.png(3_000), "image/png")));
        ImageKey missing = key("avatars");
        origin.serve(missing.value(), Reply.status(404));
        ImageKey broken = key("banners");
        origin.serve(broken.value(), Reply.body(200, TestImages.html(), "image/png"));
        images.forEach(this::publishJob);
        publishJob(missing);
        publishJob(broken);
        await().atMost(WAIT).until(MonitoringFilesIT::scrape, scrape ->
                sample(scrape, "pansaar_jobs_total{outcome=\"regenerated\"}") >= images.size()
                        && sample(scrape, "pansaar_jobs_total{outcome=\"negative\"}") >= 1
                        && sample(scrape, "pansaar_dead_letters{partition=\"" + partitioner.partitionOf(broken) + "\"}") >= 1);
        images.forEach(image -> given().urlEncodingEnabled(false).get("/images/" + image.value()).then().statusCode(200));
        String metrics = scrape();

        JsonNode dashboard = MonitoringFiles.dashboard(MonitoringFiles.DASHBOARD);
        JsonNode rules = MonitoringFiles.alertRules(MonitoringFiles.ALERT_RULES);
        assertEquals(List.of(), MonitoringFiles.dashboardProblems(dashboard));
        assertEquals(List.of(), MonitoringFiles.alertRuleProblems(rules));
        Map<String, String> expressions = new TreeMap<>(MonitoringFiles.dashboardExpressions(dashboard));
        expressions.putAll(MonitoringFiles.alertExpressions(rules));
        assertEquals(List.of(), MonitoringFiles.unexportedMetrics(expressions, metrics));
        Set<String> used = new TreeSet<>();
        expressions.values().forEach(expression -> used.addAll(PromQlNames.of(expression)));
        assertTrue(used.size() >= 20, "the files name only " + used);

        // The same check on a copy with one name misspelt, to show that it notices.
        Map<String, String> misspelt = new TreeMap<>(expressions);
        misspelt.put("alert Misspelt", "max by (partition) (pansaar_stream_lagg) > 0");
        assertEquals(List.of("alert Misspelt: pansaar_stream_lagg is not in /q/metrics"),
                MonitoringFiles.unexportedMetrics(misspelt, metrics));
    }

    @Test
    void workerReadingIsOneWhileThisProcessReads() {
        // WorkerOffMetricsIT shows the 0 of a process whose worker is off.
        await().atMost(WAIT).until(() -> sample(scrape(), "pansaar_worker_reading") == 1.0);
    }

    @Test
    void originPausedIsOneWhileARetryAfterPauseLasts() {
        String series = "pansaar_origin_paused{origin=\"" + OriginId.of(URI.create(origin.baseUrl())) + "\"}";
        await().atMost(WAIT).until(() -> sample(scrape(), series) == 0.0);
        ImageKey key = key("avatars");
        origin.serveInTurn(key.value(), Reply.status(429).withHeader("Retry-After", "8"),
                Reply.image(TestImages.png(1_000), "image/png"));
        publishJob(key);

        await().atMost(WAIT).until(() -> sample(scrape(), series) == 1.0);
        await().atMost(WAIT).until(() -> sample(scrape(), series) == 0.0);
        await().atMost(WAIT).until(() -> origin.fetches(key.value()) == 2);
    }

    @Test
    void theWarmLaneGaugesCountItsQueuedAndDeliveredEntries() {
        // The origin holds the warm-up's fetch long enough for a few gauge refreshes to see it queued and delivered.
        ImageKey key = key("avatars");
        origin.serve(key.value(), Reply.image(TestImages.png(1_000), "image/png").withDelay(Duration.ofSeconds(6)));
        int partition = partitioner.partitionOf(key);
        String tags = "{lane=\"warm\",partition=\"" + partition + "\"}";
        redis.stream(String.class).xadd(RedisKeys.warm(partition), Map.of("key", key.value(), "reason", "warm"));

        await().atMost(WAIT).until(MonitoringFilesIT::scrape, scrape -> sample(scrape, "pansaar_lane_length" + tags) == 1.0
                && sample(scrape, "pansaar_lane_pending" + tags) == 1.0);
        await().atMost(WAIT).until(() -> origin.fetches(key.value()) == 1);
        await().atMost(WAIT).until(MonitoringFilesIT::scrape, scrape -> sample(scrape, "pansaar_lane_length" + tags) == 0.0
                && sample(scrape, "pansaar_lane_pending" + tags) == 0.0);
    }

    @Test
    void theBudgetGaugeIsEachPartitionsShare() {
        String metrics = scrape();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            assertEquals((double) (BUDGET / PARTITIONS),
                    sample(metrics, "pansaar_cache_budget_bytes{partition=\"" + partition + "\"}"));
        }
    }

    private static ImageKey key(String segment) {
        return ImageKey.of(segment + "/monitoring-" + UUID.randomUUID() + ".png");
    }

    private void publishJob(ImageKey key) {
        redis.stream(String.class).xadd(RedisKeys.jobs(partitioner.partitionOf(key)), Map.of("key", key.value()));
    }

    private static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The value of one series in a scrape; NaN when the scrape has no such series. */
    private static double sample(String metrics, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
    }
}
