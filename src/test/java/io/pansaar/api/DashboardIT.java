package io.pansaar.api;

import static io.pansaar.testing.AdminApi.ADMIN_TOKEN;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.testing.HeadlessChromium;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * {@code /dashboard} in a real headless Chromium, against a real Redis, a real origin and this process's worker:
 * its figures are those of {@code /api/status}, they follow the jobs as they run, and its dead-letter buttons
 * retry and delete through the admin API with the token the page asked for. Saves a screenshot to
 * {@code target/dashboard.png} (docs/development.md says how it becomes docs/images/dashboard.png).
 */
@QuarkusTest
@TestProfile(DashboardIT.WithMemoryBudget.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class DashboardIT {

    /**
     * A memory budget, so the page has one to show; far above what the test's images take. No probationary stage: an
     * image on probation is among the hot keys once a fold has recorded a request of it, and the scheduler, which
     * folds, is off here (ProbationIT covers the stage's hot keys).
     */
    public static class WithMemoryBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pansaar.memory-budget", "64M", "pansaar.priority.probation-share", "0");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path SCREENSHOT = Path.of("target", "dashboard.png");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /** Every figure's data-value, and every partition row's, read from the page in one script run. */
    private static final String READ_FIGURES = """
            const figures = {};
            document.querySelectorAll('#figures [data-metric], h2 [data-metric]')
                .forEach(element => figures[element.dataset.metric] = element.dataset.value ?? null);
            const partitions = {};
            document.querySelectorAll('[data-metric="partitions"] tr[data-partition]').forEach(row => {
              const cells = {};
              row.querySelectorAll('[data-metric]').forEach(cell => cells[cell.dataset.metric] = cell.dataset.value);
              partitions[row.dataset.partition] = cells;
            });
            const hotKeys = [...document.querySelectorAll('[data-metric="hot-keys"] tr[data-key]')]
                .map(row => row.dataset.key);
            const ttlSpread = {};
            document.querySelectorAll('[data-metric="ttl-spread"] tr[data-bucket]').forEach(row =>
                ttlSpread[row.dataset.bucket] = row.querySelector('[data-metric="ttl-copies"]').dataset.value);
            return { figures, partitions, hotKeys, ttlSpread };
            """;

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @TestHTTPResource("/dashboard")
    URL dashboard;

    private ChromeDriver browser;

    @BeforeEach
    void openBrowser() throws Exception {
        browser = HeadlessChromium.start(Files.createTempDirectory(Path.of("target"), "chromium-profile-"), 1400, 2200);
    }

    @AfterEach
    void closeBrowser() throws Exception {
        if (browser != null) {
            // What the page showed last, to see why a check failed.
            Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target", "dashboard-last.png"),
                    StandardCopyOption.REPLACE_EXISTING);
            browser.quit();
        }
    }

    @Test
    void theDashboardShowsTheStatusFollowsTheJobsAndRetriesAndDeletesDeadLetters() throws Exception {
        // Work done before the page opens: a read that missed and had its image regenerated, a job dead-lettered
        // for a bad origin reply (HTML sent as image/png, which no retry fixes), and a malformed job, dead-lettered
        // at once. (Hits are counted in the statistics when the scheduler folds them in, and it is off here.)
        ImageKey cached = uniqueKey("avatars");
        origin.serve(cached.value(), Reply.image(TestImages.png(3_000), "image/png"));
        given().get("/images/" + cached.value()).then().statusCode(200);
        awaitCached(cached);
        ImageKey broken = uniqueKey("banners");
        origin.serve(broken.value(), Reply.body(200, TestImages.html(), "image/png"));
        publishJob(broken, Map.of("key", broken.value(), "reason", "refresh"));
        String malformedMarker = UUID.randomUUID().toString();
        redis.stream(String.class).xadd(RedisKeys.jobs(0), Map.of("note", malformedMarker));
        await().atMost(WAIT).until(() -> status().getLong("totals.deadLettered") >= 2
                && deadLettersNow(status()) == 2 && status().getLong("totals.regenerated") >= 1);

        browser.get(dashboard.toString());
        assertEquals("Pansaar dashboard", browser.getTitle());
        awaitFiguresMatchStatus();
        assertTrue(browser.findElement(By.id("errors")).getAttribute("hidden") != null, errorsShown());
        assertEquals("64 MiB", browser.findElement(By.cssSelector("[data-metric='memory-budget']")).getText());
        // An unreachable API is shown, not swallowed, and the page recovers once it answers again: the browser
        // itself refuses the page's requests to /api/status for a while (Chromium's DevTools protocol).
        browser.executeCdpCommand("Network.enable", Map.of());
        browser.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", List.of("*/api/status")));
        WebElement unreachable = await().atMost(WAIT).until(() -> shownError("status"), element -> element != null);
        assertTrue(unreachable.getText().startsWith("cannot reach /api/status"), unreachable.getText());
        browser.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", List.of()));
        await().atMost(WAIT).until(() -> shownError("status") == null);
        assertTrue(browser.findElement(By.id("errors")).getAttribute("hidden") != null, errorsShown());

        // Every partition has its row, and the hot keys are among the partitions' top entries.
        Map<String, Object> shown = figures();
        assertEquals(16, partitionsShown(shown).size());
        List<String> hotKeys = stringList(shown.get("hotKeys"));
        assertTrue(hotKeys.contains(cached.value()), hotKeys.toString());
        // Charts are drawn by uPlot, from its WebJar: a canvas per chart.
        assertEquals(4, browser.findElements(By.cssSelector(".charts figure .uplot canvas")).size());

        // The figures follow the jobs as they run: three reads that miss, their three regenerations, and a rate
        // above zero.
        long regeneratedBefore = Long.parseLong(figure("regenerated"));
        long readsBefore = Long.parseLong(figure("reads"));
        for (int index = 0; index < 3; index++) {
            ImageKey key = uniqueKey("thumbnails");
            origin.serve(key.value(), Reply.image(TestImages.png(2_000 + index), "image/png")
                    .withDelay(Duration.ofMillis(300)));
            given().get("/images/" + key.value()).then().statusCode(200);
        }
        await().atMost(WAIT).until(() -> Long.parseLong(figure("regenerated")) >= regeneratedBefore + 3
                && Long.parseLong(figure("reads")) >= readsBefore + 3
                && Double.parseDouble(figure("regenerations-per-second")) > 0);
        awaitFiguresMatchStatus();

        // Listing the dead letters asks for the admin token; a wrong one is refused, shown, and not kept.
        browser.findElement(By.id("list-dead-letters")).click();
        enterToken("not-the-token");
        WebElement refused = await().atMost(WAIT).until(() -> shownError("admin"), element -> element != null);
        assertTrue(refused.getText().contains("401"), refused.getText());
        assertEquals(null, browser.executeScript("return sessionStorage.getItem('pansaar.admin-token')"));

        browser.findElement(By.id("list-dead-letters")).click();
        enterToken(ADMIN_TOKEN);
        WebElement brokenLetter = awaitDeadLetterShown(broken.value());
        WebElement malformedLetter = awaitDeadLetterShown("(no key)");
        assertEquals(null, shownError("admin"), "the accepted token clears the earlier refusal");
        assertEquals(ADMIN_TOKEN, browser.executeScript("return sessionStorage.getItem('pansaar.admin-token')"));
        assertEquals(0L, browser.executeScript("return localStorage.length"));
        Files.createDirectories(SCREENSHOT.getParent());
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);

        // Retry once the origin is fixed: the letter leaves the list and the job runs.
        origin.serve(broken.value(), Reply.image(TestImages.png(2_500), "image/png"));
        int fetchesBefore = origin.fetches(broken.value());
        brokenLetter.findElement(By.cssSelector("button[data-action='retry']")).click();
        awaitCached(broken);
        assertTrue(origin.fetches(broken.value()) > fetchesBefore);
        malformedLetter.findElement(By.cssSelector("button[data-action='delete']")).click();
        await().atMost(WAIT).until(() -> browser.findElements(By.cssSelector("li[data-dead-letter]")).isEmpty());
        await().atMost(WAIT).untilAsserted(() -> assertEquals("0", figure("dead-letters"),
                () -> "status " + status().getList("partitions.deadLetters") + ", errors shown: " + errorsShown()
                        + ", polls " + browser.executeScript("return document.body.dataset.polls")));
        assertEquals(0, deadLettersNow(status()));
        awaitFiguresMatchStatus();
        assertEquals(null, shownError("action"));
    }

    // ---------------------------------------------------------------------------------------------
    // The page

    /** Waits until every figure and every partition row shows what /api/status answers. */
    private void awaitFiguresMatchStatus() {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonPath status = status();
            Map<String, Object> shown = figures();
            Map<?, ?> figures = (Map<?, ?>) shown.get("figures");
            String context = "page " + figures + " against status totals " + status.getMap("totals");
            for (String[] pair : new String[][] { { "regenerated", "regenerated" }, { "jobs-processed", "jobsProcessed" },
                    { "failed", "failed" }, { "dead-lettered", "deadLettered" }, { "images", "images" },
                    { "used-bytes", "usedBytes" }, { "memory-budget", "memoryBudgetBytes" } }) {
                assertEquals(String.valueOf(status.getLong("totals." + pair[1])), figures.get(pair[0]), pair[0] + ": " + context);
            }
            long reads = status.getLong("totals.hits") + status.getLong("totals.staleHits")
                    + status.getLong("totals.staleIfErrorHits") + status.getLong("totals.misses")
                    + status.getLong("totals.negativeHits");
            assertEquals(String.valueOf(reads), figures.get("reads"), context);
            assertTrue(reads > 0, context);
            assertEquals((double) status.getLong("totals.hits") / reads, Double.parseDouble((String) figures.get("hit-ratio")),
                    1e-12, context);
            assertEquals((double) status.getLong("totals.misses") / reads,
                    Double.parseDouble((String) figures.get("miss-ratio")), 1e-12, context);
            assertEquals(String.valueOf(deadLettersNow(status)), figures.get("dead-letters"), context);
            // The spread of fresh TTLs: each bucket the sum of the partitions' counters; every copy written (regenerated)
            // or extended (not modified) counts in exactly one.
            Map<?, ?> ttlSpread = (Map<?, ?>) shown.get("ttlSpread");
            assertEquals(8, ttlSpread.size(), "ttl spread " + ttlSpread);
            long copies = 0;
            for (Map.Entry<?, ?> bucket : ttlSpread.entrySet()) {
                long expected = 0;
                for (int partition = 0; partition < 16; partition++) {
                    Object counter = status.getMap("partitions[" + partition + "].statistics").get(bucket.getKey());
                    expected += counter == null ? 0 : Long.parseLong(String.valueOf(counter));
                }
                assertEquals(String.valueOf(expected), bucket.getValue(), bucket.getKey() + ": " + ttlSpread);
                copies += expected;
            }
            assertEquals(status.getLong("totals.regenerated") + status.getLong("totals.notModified"), copies,
                    "ttl spread " + ttlSpread + " against " + status.getMap("totals"));
            Map<String, Map<?, ?>> partitions = partitionsShown(shown);
            for (int partition = 0; partition < 16; partition++) {
                String path = "partitions[" + partition + "].";
                Map<?, ?> row = partitions.get(String.valueOf(partition));
                String rowContext = "partition " + partition + ": page " + row + ", status " + status.getMap("partitions[" + partition + "]");
                assertEquals(String.valueOf(status.getLong(path + "length")), row.get("length"), rowContext);
                assertEquals(String.valueOf(status.getLong(path + "pending")), row.get("pending"), rowContext);
                Object lag = status.get(path + "lag");
                assertEquals(lag == null ? "" : String.valueOf(lag), row.get("lag"), rowContext);
                assertEquals(String.valueOf(status.getLong(path + "deadLetters")), row.get("dead-letters"), rowContext);
                assertEquals(String.valueOf(status.getLong(path + "memory.images")), row.get("images"), rowContext);
                assertEquals(String.valueOf(status.getLong(path + "memory.usedBytes")), row.get("used-bytes"), rowContext);
                // The half-life and newcomer penalty, here the configured ones (tuning is off): "<ms>/<penalty>".
                String[] priority = String.valueOf(row.get("priority")).split("/");
                assertEquals(status.getLong(path + "priority.halfLifeMillis"), Long.parseLong(priority[0]), rowContext);
                assertEquals(status.getDouble(path + "priority.newcomerPenalty"), Double.parseDouble(priority[1]), rowContext);
            }
        });
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> figures() {
        return (Map<String, Object>) browser.executeScript(READ_FIGURES);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<?, ?>> partitionsShown(Map<String, Object> shown) {
        return (Map<String, Map<?, ?>>) shown.get("partitions");
    }

    private static List<String> stringList(Object list) {
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }

    /** The raw value of one figure, as the page holds it in data-value. */
    private String figure(String metric) {
        return browser.findElement(By.cssSelector("#figures [data-metric='" + metric + "'], h2 [data-metric='" + metric + "']"))
                .getAttribute("data-value");
    }

    private void enterToken(String token) {
        WebElement input = await().atMost(WAIT).until(() -> browser.findElement(By.id("token-input")), WebElement::isDisplayed);
        input.sendKeys(token);
        browser.findElement(By.id("token-ok")).click();
    }

    /** The error the page shows for {@code source}, or null when it shows none. */
    private WebElement shownError(String source) {
        List<WebElement> shown = browser.findElements(By.cssSelector("#errors li[data-error='" + source + "']"));
        return shown.isEmpty() ? null : shown.get(0);
    }

    private String errorsShown() {
        return browser.findElement(By.id("errors")).getText();
    }

    private WebElement awaitDeadLetterShown(String text) {
        return await().atMost(WAIT).until(() -> browser.findElements(By.cssSelector("li[data-dead-letter]")).stream()
                .filter(item -> item.findElement(By.cssSelector("[data-metric='dead-letter']")).getText().startsWith(text + " "))
                .findFirst().orElse(null), found -> found != null);
    }

    // ---------------------------------------------------------------------------------------------
    // The application

    private static JsonPath status() {
        return given().get("/api/status").then().statusCode(200).extract().jsonPath();
    }

    private static long deadLettersNow(JsonPath status) {
        return status.getList("partitions.deadLetters", Long.class).stream().mapToLong(Long::longValue).sum();
    }

    private void publishJob(ImageKey key, Map<String, String> fields) {
        redis.stream(String.class).xadd(RedisKeys.jobs(partitioner.partitionOf(key)), fields);
    }

    private void awaitCached(ImageKey key) {
        String image = RedisKeys.image(partitioner.partitionOf(key), key);
        await().atMost(WAIT).until(() -> "ok".equals(StoredImages.metaField(redis, image, "status")));
    }

    private static ImageKey uniqueKey(String segment) {
        return ImageKey.of(segment + "/dashboard-" + SEQUENCE.incrementAndGet() + "-" + UUID.randomUUID().toString()
                .substring(0, 8) + ".png");
    }
}
