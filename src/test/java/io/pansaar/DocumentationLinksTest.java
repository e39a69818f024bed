package io.pansaar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every relative link in README.md and docs/*.md leads somewhere: its file exists and, when it names an
 * anchor in a markdown page, that page has a heading with that anchor under GitHub's rules. README.md, the
 * front door, links every page of docs/. Each check is also run on a small broken book to show that it
 * notices.
 */
class DocumentationLinksTest {

    /** An inline link or image: [text](target) or [text](target "title"); the text may not hold brackets. */
    private static final Pattern LINK = Pattern.compile("!?\\[([^\\]]*)\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    /** Inline code spans, whose brackets and parentheses are no links. */
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?:(?!\\1).)+?\\1");
    private static final Pattern FENCE = Pattern.compile("^ {0,3}(```|~~~)");
    /** What GitHub drops from a heading's text when it makes the anchor: all but letters, digits, '_', '-' and spaces. */
    private static final Pattern NOT_IN_ANCHOR = Pattern.compile("[^\\p{L}\\p{N}_\\- ]");

    @Test
    void everyLinkOfTheRealBookResolves() throws IOException {
        assertEquals(List.of(), brokenLinks(Path.of("")));
    }

    @Test
    void readmeLinksEveryPageOfTheRealBook() throws IOException {
        assertEquals(List.of(), pagesReadmeDoesNotLink(Path.of("")));
    }

    @Test
    void readmeStaysAFrontDoor() throws IOException {
        // The reference lives in docs/; README keeps to what a newcomer needs first.
        long lines = Files.readAllLines(Path.of("README.md")).size();
        assertTrue(lines <= 300, "README.md has " + lines + " lines; move detail into docs/ to keep it within 300");
    }

    @Test
    void noticesAMissingFileAnchorOrUnlinkedPage(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("README.md"), """
                # Pansaar

                See [the API](docs/api.md#get-imageskey-read-through-the-cache), [gone](docs/gone.md),
                [no such section](docs/api.md#writing-images) and [here](#quick-start) and [lost](#nowhere).
                A link in code is no link: `[x](docs/not-checked.md)`.

                ```
                [neither](docs/in-a-fence.md)
                ```

                ## Quick start
                """);
        Files.writeString(root.resolve("docs/api.md"), """
                # REST API

                ## `GET /images/<key>`: read through the cache

                Back to the [README](../README.md#quick-start), and [a wrong one](../README.md#quickstart).
                """);
        Files.writeString(root.resolve("docs/orphan.md"), "# Orphan\n");

        assertEquals(List.of(
                "README.md: [gone](docs/gone.md): no such file",
                "README.md: [no such section](docs/api.md#writing-images): docs/api.md has no heading #writing-images",
                "README.md: [lost](#nowhere): README.md has no heading #nowhere",
                "docs/api.md: [a wrong one](../README.md#quickstart): README.md has no heading #quickstart"),
                brokenLinks(root));
        assertEquals(List.of("docs/orphan.md"), pagesReadmeDoesNotLink(root));
    }

    @Test
    void makesAnchorsAsGitHubDoes() {
        assertEquals(Set.of("pansaars-algorithm", "get-imageskey-read-through-the-cache",
                "eviction-a-decayed-request-count-in-a-sorted-set-accesspriority", "dead-letters", "dead-letters-1",
                "when-the-origin-fails-stale-if-error", "the-docs-page"),
                anchors("""
                        ## Pansaar's Algorithm
                        ### `GET /images/<key>`: read through the cache
                        ### Eviction: a decayed request count in a sorted set (`AccessPriority`)
                        ## Dead letters
                        ## Dead letters
                        ### When the origin fails: stale-if-error
                        ## The [docs](docs/) page
                        """));
    }

    /** The book: README.md and every markdown page of docs/, as paths relative to {@code root}. */
    static List<Path> book(Path root) throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(Path.of("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.map(path -> path.getFileName().toString())
                    .filter(name -> name.endsWith(".md"))
                    .map(name -> Path.of("docs", name))
                    .sorted()
                    .forEach(pages::add);
        }
        return pages;
    }

    /** One line per link of the book whose file or anchor does not exist. */
    static List<String> brokenLinks(Path root) throws IOException {
        Map<Path, Set<String>> anchorsByPage = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (Path page : book(root)) {
            for (Link link : links(Files.readString(root.resolve(page)))) {
                String target = link.target();
                if (target.isEmpty() || target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                    continue; // a URL with a scheme (https:, mailto:) leaves the repository
                }
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path linked = file.isEmpty() ? page : page.resolveSibling(file).normalize();
                if (!Files.exists(root.resolve(linked))) {
                    problems.add(slashes(page) + ": " + link + ": no such file");
                    continue;
                }
                if (anchor != null && linked.toString().endsWith(".md")) {
                    Set<String> known = anchorsByPage.computeIfAbsent(linked, path -> read(root.resolve(path)));
                    if (!known.contains(anchor)) {
                        problems.add(slashes(page) + ": " + link + ": " + slashes(linked) + " has no heading #" + anchor);
                    }
                }
            }
        }
        return problems;
    }

    /** The pages of docs/ that README.md does not link to. */
    static List<String> pagesReadmeDoesNotLink(Path root) throws IOException {
        Set<Path> linked = new LinkedHashSet<>();
        for (Link link : links(Files.readString(root.resolve("README.md")))) {
            String file = link.target().replaceFirst("#.*", "");
            if (!file.isEmpty() && !file.contains(":")) {
                linked.add(Path.of(file).normalize());
            }
        }
        List<String> unlinked = new ArrayList<>();
        for (Path page : book(root)) {
            if (page.startsWith("docs") && !linked.contains(page)) {
                unlinked.add(slashes(page));
            }
        }
        return unlinked;
    }

    private record Link(String text, String target) {
        @Override
        public String toString() {
            return "[" + text + "](" + target + ")";
        }
    }

    /** The links of a markdown text, outside fenced code blocks and inline code spans. */
    private static List<Link> links(String markdown) {
        List<Link> links = new ArrayList<>();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (FENCE.matcher(line).find()) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            Matcher link = LINK.matcher(CODE_SPAN.matcher(line).replaceAll(""));
            while (link.find()) {
                links.add(new Link(link.group(1), link.group(2)));
            }
        }
        return links;
    }

    /**
     * The anchors GitHub gives a page's headings: the heading's text as rendered (links reduced to their text,
     * code spans to their content), lower-cased, without punctuation, spaces turned to '-'; a repeated anchor
     * gets -1, -2, and so on.
     */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (FENCE.matcher(line).find()) {
                fenced = !fenced;
                continue;
            }
            Matcher heading = HEADING.matcher(line);
            if (fenced || !heading.matches()) {
                continue;
            }
            String text = heading.group(2).replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1");
            String anchor = NOT_IN_ANCHOR.matcher(text.toLowerCase(Locale.ROOT)).replaceAll("").replace(' ', '-');
            int count = seen.merge(anchor, 1, Integer::sum);
            anchors.add(count == 1 ? anchor : anchor + "-" + (count - 1));
        }
        return anchors;
    }

    private static Set<String> read(Path page) {
        try {
            return anchors(Files.readString(page));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A path as the problem lines show it, with '/' on every system. */
    private static String slashes(Path path) {
        return path.toString().replace('\\', '/');
    }
}
