package io.pansaar;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.store.ImageDetails;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * README.md's Node.js snippets run as written against a real Redis and the running worker. A snippet is the
 * {@code js} block that follows the words "save it as `name.mjs`"; the test changes only what a reader's machine
 * would differ in: the Redis address ({@code new Redis()} connects to port 6379, the test's server listens on a
 * free port) and the image key, so that each test reads its own image.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class ReadmeSnippetsIT {

    private static final Path README = Path.of("README.md");
    /** The pinned client the snippets import, from the npm registry. */
    private static final Path PACKAGE = Path.of("src", "test", "node", "readme");
    private static final Path WORK = Path.of("target", "readme-snippets");
    private static final String README_KEY = "'avatars/u123.png'";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int IMAGE_BYTES = 2_000;

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    ImageStore store;

    @Inject
    Partitioner partitioner;

    @ConfigProperty(name = "quarkus.redis.hosts")
    String redisUri;

    @BeforeAll
    static void installTheClient() throws IOException, InterruptedException {
        Files.createDirectories(WORK);
        for (String file : List.of("package.json", "package-lock.json")) {
            Files.copy(PACKAGE.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        Run install = run(List.of("npm", "ci", "--no-audit", "--no-fund"));
        assertEquals(0, install.exitCode(), "npm ci failed:\n" + install.output());
    }

    @Test
    void thePublishingSnippetQueuesAJobTheWorkerRuns() throws IOException, InterruptedException {
        ImageKey key = TestKeys.unique("avatars", "png");
        origin.serve(key.value(), Reply.image(TestImages.png(IMAGE_BYTES), "image/png"));

        Run published = runSnippet("publish.mjs", key);

        assertEquals(0, published.exitCode(), published.output());
        Matcher line = Pattern.compile("queued (\\S+) as job \\d+-\\d+ on partition (\\d+)\\n").matcher(published.output());
        assertTrue(line.matches(), "unexpected output: " + published.output());
        assertEquals(key.value(), line.group(1));
        assertEquals(partitioner.partitionOf(key), Integer.parseInt(line.group(2)));
        ImageDetails written = awaitWritten(key);
        assertEquals("ok", written.status());
    }

    @Test
    void theReadingSnippetEnqueuesAMissThenServesTheHit() throws IOException, InterruptedException {
        ImageKey key = TestKeys.unique("avatars", "png");
        origin.serve(key.value(), Reply.image(TestImages.png(IMAGE_BYTES), "image/png"));

        Run miss = runSnippet("read.mjs", key);
        assertEquals(0, miss.exitCode(), miss.output());
        assertEquals("MISS nothing to serve\n", miss.output());

        // The miss enqueued the one job its key needed; the worker writes the image.
        awaitWritten(key);
        Run hit = runSnippet("read.mjs", key);
        assertEquals(0, hit.exitCode(), hit.output());
        assertEquals("HIT image/png " + IMAGE_BYTES + " bytes\n", hit.output());
    }

    @Test
    void theReadingSnippetAnswersNegativeForAnImageTheOriginDenies() throws IOException, InterruptedException {
        ImageKey key = TestKeys.unique("avatars", "png");
        origin.serve(key.value(), Reply.status(404));

        Run miss = runSnippet("read.mjs", key);
        assertEquals("MISS nothing to serve\n", miss.output());

        await().atMost(WAIT).until(() -> store.details(key).await().atMost(WAIT)
                .filter(details -> details.status().equals("404")).isPresent());
        Run negative = runSnippet("read.mjs", key);
        assertEquals(0, negative.exitCode(), negative.output());
        assertEquals("NEGATIVE nothing to serve\n", negative.output());
    }

    private ImageDetails awaitWritten(ImageKey key) {
        return await().atMost(WAIT).until(() -> store.details(key).await().atMost(WAIT), details -> details.isPresent())
                .orElseThrow();
    }

    /** Runs README's snippet {@code name} with its Redis address and image key replaced. */
    private Run runSnippet(String name, ImageKey key) throws IOException, InterruptedException {
        String source = snippet(name);
        assertTrue(source.contains("new Redis()"), name + " no longer connects with new Redis()");
        assertTrue(source.contains(README_KEY), name + " no longer reads " + README_KEY);
        String runnable = source.replace("new Redis()", "new Redis('" + redisUri + "')")
                .replace(README_KEY, "'" + key.value() + "'");
        Path file = WORK.resolve(name);
        Files.writeString(file, runnable);
        return run(List.of("node", name));
    }

    /** The js block that README.md introduces with "save it as `name`". */
    private static String snippet(String name) throws IOException {
        String readme = Files.readString(README);
        Matcher block = Pattern.compile("save it as\\s+`" + Pattern.quote(name) + "`.*?```js\\n(.*?)```",
                Pattern.DOTALL).matcher(readme);
        assertTrue(block.find(), "README.md has no js block saved as " + name);
        return block.group(1);
    }

    private record Run(int exitCode, String output) {
    }

    /** Runs a command in the snippets' directory to its end; standard error is folded into the output. */
    private static Run run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(WORK.toFile()).redirectErrorStream(true).start();
        if (!process.waitFor(WAIT.toSeconds() * 4, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + WAIT.toSeconds() * 4 + " s");
        }
        return new Run(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
