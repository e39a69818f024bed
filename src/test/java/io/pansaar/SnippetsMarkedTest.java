package io.pansaar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every shell-like code block of README.md and docs/*.md says whether a test runs it ({@code <!-- snippet: run -->},
 * run by DocsSnippetsIT) or why not ({@code <!-- snippet: not run: REASON -->}), so that no block a reader pastes
 * is left untried by accident.
 */
class SnippetsMarkedTest {

    @Test
    void everyShellBlockOfTheRealBookIsMarked() throws IOException {
        assertEquals(List.of(), DocSnippets.read(Path.of("")).problems());
    }

    @Test
    void noticesUnmarkedBlocksAndMisplacedMarkers(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("README.md"), """
                # Pansaar

                <!-- snippet: run -->
                ```bash
                redis-cli PING
                ```

                <!-- snippet: not run: starts the demo -->

                ```sh
                ./demo
                ```

                ```shell
                curl -s http://localhost:8080/api/status
                ```

                A diagram needs no marker:

                ```
                reader -> Redis
                ```
                """);
        Files.writeString(root.resolve("docs/api.md"), """
                # API

                <!-- snippet: run -->
                ```json
                {"key": "avatars/u123.png"}
                ```

                <!-- snippet: not run -->
                ```bash
                curl -I http://localhost:8080/images/avatars/u123.png
                ```

                <!-- snippet: run -->
                A sentence, then no block.
                """);

        DocSnippets.Book book = DocSnippets.read(root);

        assertEquals(List.of(
                "README.md:14: ```shell block has no <!-- snippet: run --> or <!-- snippet: not run: REASON --> before it",
                "docs/api.md:3: snippet marker precedes a ```json block, which is no shell block",
                "docs/api.md:8: malformed snippet marker: <!-- snippet: not run -->",
                "docs/api.md:9: ```bash block has no <!-- snippet: run --> or <!-- snippet: not run: REASON --> before it",
                "docs/api.md:13: snippet marker precedes no code block"), book.problems());
        assertEquals(List.of("README.md:4 run", "README.md:10 not run: starts the demo"),
                book.blocks().stream()
                        .map(block -> block.place() + (block.marker().run() ? " run" : " not run: " + block.marker().reason()))
                        .toList());
        assertEquals("./demo\n", book.blocks().get(1).code());
    }
}
