package io.pansaar;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every block of README.md and docs/*.md marked {@code <!-- snippet: run -->} runs with bash against a real Redis and
 * the running worker, and exits 0. The blocks of one page run in page order in one shell, since later blocks may use
 * what earlier ones set. Only addresses change: {@code localhost:8080} becomes the test's HTTP port, {@code redis-cli}
 * talks to the test's Redis (and fails on an error reply, which redis-cli alone does not), and
 * {@code PANSAAR_ADMIN_TOKEN} holds the test profile's admin token.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class DocsSnippetsIT {

    /** The images the documentation's examples read, served by the test's origin. */
    private static final List<String> DOCUMENTED_IMAGES = List.of("avatars/u1.png", "avatars/u123.png");
    private static final String BLOCK_START = ">>> snippet ";
    private static final long PAGE_TIMEOUT_SECONDS = 90;

    @InjectTestOrigin
    TestOrigin origin;

    @TestHTTPResource("/")
    URL http;

    @ConfigProperty(name = "quarkus.redis.hosts")
    URI redis;

    @ConfigProperty(name = "pansaar.admin-token")
    String adminToken;

    @BeforeEach
    void serveTheDocumentedImages() {
        for (String image : DOCUMENTED_IMAGES) {
            origin.serve(image, Reply.image(TestImages.png(2_000), "image/png"));
        }
    }

    /** The pages with at least one block to run, in the book's order. */
    static List<String> pagesWithBlocksToRun() throws IOException {
        return DocSnippets.read(Path.of("")).blocks().stream()
                .filter(block -> block.marker().run())
                .map(block -> block.page().toString())
                .distinct()
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pagesWithBlocksToRun")
    void everyBlockMarkedRunExitsZero(String page) throws IOException, InterruptedException {
        List<DocSnippets.Block> blocks = DocSnippets.read(Path.of("")).blocks().stream()
                .filter(block -> block.page().toString().equals(page) && block.marker().run())
                .toList();
        assertFalse(blocks.isEmpty(), page);
        Path work = workDirectory(page);
        Path script = work.resolve("snippets.sh");
        Files.writeString(script, script(blocks));

        Path output = work.resolve("output.txt");
        ProcessBuilder bash = new ProcessBuilder("bash", script.getFileName().toString())
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
        bash.environment().put("PANSAAR_ADMIN_TOKEN", adminToken);
        Process process = bash.start();
        if (!process.waitFor(PAGE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(page + "'s blocks did not finish within " + PAGE_TIMEOUT_SECONDS + " s:\n" + Files.readString(output));
        }
        if (process.exitValue() != 0) {
            String text = Files.readString(output, StandardCharsets.UTF_8);
            int start = text.lastIndexOf(BLOCK_START);
            fail(start < 0 ? page + " failed before its first block (exit " + process.exitValue() + "):\n" + text
                    : "block " + text.substring(start + BLOCK_START.length()).lines().findFirst().orElseThrow()
                            + " failed (exit " + process.exitValue() + "):\n" + text.substring(start));
        }
    }

    /**
     * The page's blocks as one bash script that announces each block's place before it runs. redis-cli is a
     * function, so it serves pipes and command substitutions but not {@code xargs}.
     */
    private String script(List<DocSnippets.Block> blocks) {
        StringBuilder script = new StringBuilder("set -euo pipefail\n")
                .append("redis-cli() { command redis-cli -h ").append(redis.getHost()).append(" -p ").append(redis.getPort())
                .append(" -e \"$@\"; }\n");
        for (DocSnippets.Block block : blocks) {
            script.append("printf '%s\\n' '").append(BLOCK_START).append(block.place()).append("'\n")
                    .append(withTestAddresses(block.code()));
        }
        return script.toString();
    }

    /** The block's code with the reader's addresses replaced by the test's. */
    private String withTestAddresses(String code) {
        return code.replace("redis://localhost:6379", redis.toString())
                .replace("-p 6379", "-p " + redis.getPort())
                .replace("localhost:8080", "localhost:" + http.getPort());
    }

    /**
     * A fresh directory for the page's files (a block may save a download in its working directory), in which
     * {@code target} leads to the build's target directory, as it does from the project's root, where the
     * documentation's commands are run.
     */
    private static Path workDirectory(String page) throws IOException {
        Path work = Path.of("target", "docs-snippets", page.replace('/', '_')).toAbsolutePath();
        Files.createDirectories(work);
        Path target = work.resolve("target");
        Files.deleteIfExists(target);
        Files.createSymbolicLink(target, Path.of("target").toAbsolutePath());
        return work;
    }
}
