package io.pansaar;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shell-like fenced code blocks of README.md and docs/*.md, each with the marker that says whether a test
 * runs it: {@code <!-- snippet: run -->} or {@code <!-- snippet: not run: REASON -->} on the nearest non-blank
 * line before the fence (docs/development.md, "Code blocks in the documentation").
 */
final class DocSnippets {

    /** The fence languages a reader pastes into a shell; each such block needs a marker. */
    static final Set<String> SHELL_LANGUAGES = Set.of("bash", "sh", "shell", "console", "zsh", "redis");
    private static final Pattern FENCE_OPEN = Pattern.compile("^ {0,3}(`{3,}|~{3,})\\s*([^\\s`]*).*$");
    private static final Pattern MARKER = Pattern.compile("^<!-- snippet: (?:(run)|not run: (\\S.*?)) -->$");
    private static final String MARKER_START = "<!-- snippet";

    /** Whether a block runs under a test, and why not when it does not. */
    record Marker(boolean run, String reason) {
    }

    /** One shell-like block: its page, the 1-based line of its opening fence, its language, code and marker. */
    record Block(Path page, int line, String language, String code, Marker marker) {

        /** The block's place as "page:line", as an editor opens it. */
        String place() {
            return page.toString().replace('\\', '/') + ":" + line;
        }
    }

    /** The marked blocks of a book, in page order, and a line per unmarked block or misplaced marker. */
    record Book(List<Block> blocks, List<String> problems) {
    }

    private DocSnippets() {
    }

    /** Reads every page of the book under {@code root}. */
    static Book read(Path root) throws IOException {
        List<Block> blocks = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Path page : DocumentationLinksTest.book(root)) {
            read(page, Files.readAllLines(root.resolve(page)), blocks, problems);
        }
        return new Book(blocks, problems);
    }

    private static void read(Path page, List<String> lines, List<Block> blocks, List<String> problems) {
        String name = page.toString().replace('\\', '/');
        Marker pending = null;
        int pendingLine = 0;
        for (int index = 0; index < lines.size(); index++) {
            String line = lines.get(index);
            if (line.isBlank()) {
                continue;
            }
            Matcher open = FENCE_OPEN.matcher(line);
            if (open.matches()) {
                String language = open.group(2).toLowerCase(Locale.ROOT);
                int close = closingFence(lines, index, open.group(1));
                boolean shell = SHELL_LANGUAGES.contains(language);
                if (shell && pending != null) {
                    blocks.add(new Block(page, index + 1, language,
                            String.join("\n", lines.subList(index + 1, close)) + "\n", pending));
                } else if (shell) {
                    problems.add(name + ":" + (index + 1) + ": ```" + language
                            + " block has no <!-- snippet: run --> or <!-- snippet: not run: REASON --> before it");
                } else if (pending != null) {
                    problems.add(name + ":" + pendingLine + ": snippet marker precedes a ```" + language
                            + " block, which is no shell block");
                }
                pending = null;
                index = close;
                continue;
            }
            if (pending != null) {
                problems.add(name + ":" + pendingLine + ": snippet marker precedes no code block");
                pending = null;
            }
            String trimmed = line.strip();
            if (trimmed.startsWith(MARKER_START)) {
                Matcher marker = MARKER.matcher(trimmed);
                if (marker.matches()) {
                    pending = new Marker(marker.group(1) != null, marker.group(2));
                    pendingLine = index + 1;
                } else {
                    problems.add(name + ":" + (index + 1) + ": malformed snippet marker: " + trimmed);
                }
            }
        }
        if (pending != null) {
            problems.add(name + ":" + pendingLine + ": snippet marker precedes no code block");
        }
    }

    /** The index of the line that closes the fence opened at {@code open}, or the page's end. */
    private static int closingFence(List<String> lines, int open, String fence) {
        Pattern closing = Pattern.compile("^ {0,3}" + Pattern.quote(fence.substring(0, 1)) + "{" + fence.length() + ",}\\s*$");
        for (int index = open + 1; index < lines.size(); index++) {
            if (closing.matcher(lines.get(index)).matches()) {
                return index;
            }
        }
        return lines.size();
    }
}
