package io.pansaar.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.pansaar.testing.MappingProperties;
import io.smallrye.config.ConfigMapping;

/**
 * docs/configuration.md and {@link PansaarConfig} name the same settings: every property the mapping reads is in
 * the page's tables, and every {@code pansaar.} name the page mentions is one the mapping reads (or a group of
 * them). The property names come from {@link MappingProperties}, as SmallRye Config derives them.
 */
class ConfigurationDocTest {

    private static final Path PAGE = Path.of("docs", "configuration.md");
    /** A {@code pansaar.} name, not preceded by a letter or dot (so {@code io.pansaar.startup} is a package, not a setting). */
    private static final Pattern MENTION = Pattern.compile("(?<![\\w.])pansaar(?:\\.(?:\"[^\"]*\"|[a-z0-9-]+))+");
    /** The first cell of a table row, and in it each {@code `name`} or {@code `.suffix`}. */
    private static final Pattern FIRST_CELL = Pattern.compile("^\\|([^|]*)\\|");
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    @Test
    void thePageDocumentsEveryPropertyAndNoOther() throws IOException {
        String page = Files.readString(PAGE);
        Set<String> properties = properties(PansaarConfig.class);
        assertAll(
                () -> assertEquals(List.of(), undocumented(properties, page), "properties missing from the tables of " + PAGE),
                () -> assertEquals(List.of(), unknown(properties, page), "names in " + PAGE + " that PansaarConfig does not read"));
    }

    @Test
    void derivesNamesAsSmallRyeConfigDoes() {
        Set<String> properties = properties(PansaarConfig.class);
        assertTrue(properties.contains("pansaar.partitions"), properties::toString);
        assertTrue(properties.contains("pansaar.origin.breaker.open-for"), properties::toString);
        assertTrue(properties.contains("pansaar.defaults.base-ttl"), "@WithName of a group: " + properties);
        assertTrue(properties.contains("pansaar.dead-letters.listing-bytes"), properties::toString);
        assertTrue(properties.contains("pansaar.segments.\"<name>\".max-rate"), "a map of groups: " + properties);
        assertTrue(properties.contains("pansaar.read-through.redis-timeout"), properties::toString);
    }

    @Test
    void noticesAnUndocumentedPropertyAndAnUnknownName() {
        Set<String> properties = Set.of("pansaar.partitions", "pansaar.origin.base-url", "pansaar.origin.max-rate",
                "pansaar.segments.\"<name>\".max-concurrency", "pansaar.segments.\"<name>\".max-rate",
                "pansaar.segments.\"<name>\".grace");
        String page = """
                | key | default | meaning |
                |---|---|---|
                | `pansaar.partitions` | `16` | partitions |
                | `pansaar.segments."<name>".max-concurrency`, `.max-rate` | the `pansaar.origin` ones | limits |
                | `pansaar.origin.max-rate` | none | fetches per second |

                The base URL is read as `pansaar.origin.base-uri`; `io.pansaar.startup.StartupCheck` checks it.

                ```properties
                pansaar.segments."avatars".grace=30m
                ```
                """;

        assertEquals(List.of("pansaar.origin.base-url", "pansaar.segments.\"<name>\".grace"), undocumented(properties, page));
        assertEquals(List.of("pansaar.origin.base-uri"), unknown(properties, page));
    }

    /** Every property a {@link ConfigMapping} interface reads, with its prefix. */
    static Set<String> properties(Class<?> mapping) {
        return new TreeSet<>(MappingProperties.of(mapping).keySet());
    }

    /** The properties that no table row of the page names (in its first cell). */
    static List<String> undocumented(Set<String> properties, String page) {
        Set<String> documented = new TreeSet<>();
        for (String line : page.split("\n")) {
            Matcher cell = FIRST_CELL.matcher(line);
            if (!cell.find()) {
                continue;
            }
            Matcher code = CODE.matcher(cell.group(1));
            String last = null;
            while (code.find()) {
                String name = code.group(1);
                if (name.startsWith(".") && last != null) {
                    // `.max-rate` after `pansaar.segments."<name>".max-concurrency`: the same group's max-rate
                    name = last.substring(0, last.lastIndexOf('.')) + name;
                }
                documented.add(name);
                last = name;
            }
        }
        List<String> missing = new ArrayList<>();
        for (String property : new TreeSet<>(properties)) {
            if (!documented.contains(property)) {
                missing.add(property);
            }
        }
        return missing;
    }

    /** The {@code pansaar.} names the page mentions anywhere that are neither a property nor a group of properties. */
    static List<String> unknown(Set<String> properties, String page) {
        Set<String> unknown = new TreeSet<>();
        Matcher mention = MENTION.matcher(page);
        while (mention.find()) {
            // A segment's name: "<name>" in the tables, or a real one in the examples.
            String name = MappingProperties.nameOf(mention.group());
            boolean known = properties.stream().anyMatch(property -> property.equals(name) || property.startsWith(name + "."));
            if (!known) {
                unknown.add(name);
            }
        }
        return new ArrayList<>(unknown);
    }
}
