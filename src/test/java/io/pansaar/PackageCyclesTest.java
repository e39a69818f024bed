package io.pansaar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No package of {@code src/main/java} depends on itself through others: the packages, linked by the
 * {@code import io.pansaar...} lines of their sources, form no cycle. A cycle is named package by package, so the
 * import to cut is plain. The check is also run on a small tree with a cycle, to show that it notices one.
 */
class PackageCyclesTest {

    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    /** An import of a Pansaar type or of a static member of one; the package is the part before the type's name. */
    private static final Pattern IMPORT = Pattern.compile(
            "^import\\s+(?:static\\s+)?((?:io\\.pansaar)(?:\\.[a-z_][\\w]*)*)\\.[A-Z]", Pattern.MULTILINE);

    @Test
    void theSourcesHaveNoPackageCycle() {
        assertEquals(List.of(), cycles(Path.of("src/main/java")));
    }

    @Test
    void noticesADirectAndATransitiveCycle(@TempDir Path root) throws IOException {
        source(root, "io/pansaar/a/A.java", "package io.pansaar.a;\n\nimport io.pansaar.b.B;\n");
        source(root, "io/pansaar/b/B.java", "package io.pansaar.b;\n\nimport static io.pansaar.a.A.VALUE;\n");
        source(root, "io/pansaar/c/C.java", "package io.pansaar.c;\n\nimport io.pansaar.d.D.Inner;\n");
        source(root, "io/pansaar/d/D.java", "package io.pansaar.d;\n\nimport io.pansaar.e.E;\nimport java.util.List;\n");
        source(root, "io/pansaar/e/E.java", "package io.pansaar.e;\n\nimport io.pansaar.c.C;\n");
        source(root, "io/pansaar/f/F.java", "package io.pansaar.f;\n\nimport io.pansaar.a.A;\nimport io.pansaar.f.G;\n");
        assertEquals(List.of("io.pansaar.a -> io.pansaar.b -> io.pansaar.a",
                "io.pansaar.c -> io.pansaar.d -> io.pansaar.e -> io.pansaar.c"), cycles(root));
    }

    /**
     * The import cycles, each the shortest one back to its first package, written package by package; a package
     * named in one cycle starts no other.
     */
    static List<String> cycles(Path sources) {
        Map<String, Set<String>> imports = importsByPackage(sources);
        List<String> cycles = new ArrayList<>();
        Set<String> named = new HashSet<>();
        for (String start : imports.keySet()) {
            if (named.contains(start)) {
                continue;
            }
            shortestPath(imports, start).ifPresent(path -> {
                named.addAll(path);
                cycles.add(String.join(" -> ", path));
            });
        }
        return cycles;
    }

    /** The packages of the sources under {@code sources}, each with the other Pansaar packages it imports. */
    private static Map<String, Set<String>> importsByPackage(Path sources) {
        Map<String, Set<String>> imports = new TreeMap<>();
        try (Stream<Path> files = Files.walk(sources)) {
            files.filter(file -> file.toString().endsWith(".java")).forEach(file -> {
                String text = read(file);
                Matcher declared = PACKAGE.matcher(text);
                if (!declared.find()) {
                    return;
                }
                Set<String> imported = imports.computeIfAbsent(declared.group(1), name -> new TreeSet<>());
                Matcher each = IMPORT.matcher(text);
                while (each.find()) {
                    if (!each.group(1).equals(declared.group(1))) {
                        imported.add(each.group(1));
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return imports;
    }

    /** The shortest chain of imports that leads from {@code start} back to it, both ends included; empty when none. */
    private static Optional<List<String>> shortestPath(Map<String, Set<String>> imports, String start) {
        Map<String, String> reachedFrom = new HashMap<>();
        Deque<String> frontier = new ArrayDeque<>(List.of(start));
        while (!frontier.isEmpty()) {
            String current = frontier.removeFirst();
            for (String next : imports.getOrDefault(current, Set.of())) {
                if (next.equals(start)) {
                    List<String> path = new ArrayList<>(List.of(start));
                    for (String step = current; !step.equals(start); step = reachedFrom.get(step)) {
                        path.add(1, step);
                    }
                    path.add(start);
                    return Optional.of(path);
                }
                if (!reachedFrom.containsKey(next)) {
                    reachedFrom.put(next, current);
                    frontier.addLast(next);
                }
            }
        }
        return Optional.empty();
    }

    private static void source(Path root, String path, String text) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
