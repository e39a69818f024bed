package io.pansaar.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The checks on the Grafana dashboard ({@code deploy/grafana/pansaar.json}) and the Prometheus alerting rules
 * ({@code deploy/prometheus/pansaar-alerts.yml}): their structure, and the metric names of their PromQL against a
 * scrape of {@code /q/metrics}. Each check returns the problems it finds, so a test can also run it on a broken
 * copy and see that it notices.
 */
final class MonitoringFiles {

    static final Path DASHBOARD = Path.of("deploy", "grafana", "pansaar.json");
    static final Path ALERT_RULES = Path.of("deploy", "prometheus", "pansaar-alerts.yml");

    /** How every panel and target names its data source: the dashboard's {@code datasource} variable. */
    static final String DATASOURCE_UID = "${datasource}";

    /** Prometheus' duration syntax, as {@code for:} takes it. */
    private static final Pattern DURATION = Pattern.compile("(\\d+y)?(\\d+w)?(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?(\\d+ms)?");
    private static final List<String> SEVERITIES = List.of("critical", "warning", "info");
    /** Grafana's {@code label_values(selector, label)}: only the selector is PromQL, the label is a label. */
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\)",
            Pattern.DOTALL);
    /** A sample line of the Prometheus text format: its name, before the labels or the value. */
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]");
    private static final Pattern TYPE = Pattern.compile("(?m)^# TYPE ([A-Za-z_:][A-Za-z0-9_:]*) (\\w+)$");
    private static final List<String> HISTOGRAM_SUFFIXES = List.of("_bucket", "_count", "_sum");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private MonitoringFiles() {
    }

    static JsonNode dashboard(Path file) throws IOException {
        return JSON.readTree(Files.readString(file));
    }

    static JsonNode alertRules(Path file) throws IOException {
        return YAML.readTree(Files.readString(file));
    }

    /** Every panel of the dashboard, those inside collapsed rows included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            panels.add(panel);
            panel.path("panels").forEach(panels::add);
        }
        return panels;
    }

    /** What is wrong with the dashboard's structure: no datasource variable, or a panel or target not using it. */
    static List<String> dashboardProblems(JsonNode dashboard) {
        List<String> problems = new ArrayList<>();
        if (dashboard.path("schemaVersion").asInt() < 36) {
            problems.add("schemaVersion " + dashboard.path("schemaVersion") + " predates data sources by uid (36)");
        }
        if (!dashboard.path("uid").isTextual() || !dashboard.path("title").isTextual()) {
            problems.add("the dashboard needs a uid and a title");
        }
        boolean hasVariable = false;
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if ("datasource".equals(variable.path("name").asText())) {
                hasVariable = "datasource".equals(variable.path("type").asText())
                        && "prometheus".equals(variable.path("query").asText());
            } else if ("query".equals(variable.path("type").asText()) && !usesTheVariable(variable.path("datasource"))) {
                problems.add("variable " + variable.path("name").asText() + " does not query ${datasource}");
            }
        }
        if (!hasVariable) {
            problems.add("no variable \"datasource\" of type datasource with query \"prometheus\"");
        }
        List<JsonNode> panels = panels(dashboard);
        Set<Integer> ids = new HashSet<>();
        int queried = 0;
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            if (!ids.add(panel.path("id").asInt(-1))) {
                problems.add("panel \"" + title + "\" has no id or a duplicate one");
            }
            if ("row".equals(panel.path("type").asText())) {
                continue;
            }
            if (!usesTheVariable(panel.path("datasource"))) {
                problems.add("panel \"" + title + "\" does not use ${datasource}");
            }
            if (!panel.path("targets").isArray() || panel.path("targets").isEmpty()) {
                problems.add("panel \"" + title + "\" has no query");
            }
            for (JsonNode target : panel.path("targets")) {
                queried++;
                if (!usesTheVariable(target.path("datasource"))) {
                    problems.add("a query of panel \"" + title + "\" does not use ${datasource}");
                }
                if (target.path("expr").asText().isBlank()) {
                    problems.add("a query of panel \"" + title + "\" has no expr");
                }
            }
        }
        if (queried == 0) {
            problems.add("the dashboard queries nothing");
        }
        return problems;
    }

    private static boolean usesTheVariable(JsonNode datasource) {
        return "prometheus".equals(datasource.path("type").asText()) && DATASOURCE_UID.equals(datasource.path("uid").asText());
    }

    /** What is wrong with the rules file's structure, rule by rule. */
    static List<String> alertRuleProblems(JsonNode rules) {
        List<String> problems = new ArrayList<>();
        if (!rules.path("groups").isArray() || rules.path("groups").isEmpty()) {
            return List.of("no groups");
        }
        Set<String> names = new HashSet<>();
        for (JsonNode group : rules.path("groups")) {
            if (group.path("name").asText().isBlank()) {
                problems.add("a group has no name");
            }
            if (!group.path("rules").isArray() || group.path("rules").isEmpty()) {
                problems.add("group " + group.path("name").asText() + " has no rules");
            }
            for (JsonNode rule : group.path("rules")) {
                String alert = rule.path("alert").asText();
                if (alert.isBlank() || !names.add(alert)) {
                    problems.add("a rule without an alert name, or a second " + alert);
                }
                if (rule.path("expr").asText().isBlank()) {
                    problems.add(alert + ": no expr");
                }
                String duration = rule.path("for").asText();
                if (duration.isEmpty() || !DURATION.matcher(duration).matches()) {
                    problems.add(alert + ": for is not a duration: \"" + duration + "\"");
                }
                String severity = rule.path("labels").path("severity").asText();
                if (!SEVERITIES.contains(severity)) {
                    problems.add(alert + ": labels.severity \"" + severity + "\" is not one of " + SEVERITIES);
                }
                for (String annotation : List.of("summary", "description")) {
                    if (rule.path("annotations").path(annotation).asText().isBlank()) {
                        problems.add(alert + ": no annotations." + annotation);
                    }
                }
            }
        }
        return problems;
    }

    /** Every PromQL expression of the dashboard (queries and query variables), by where it is. */
    static Map<String, String> dashboardExpressions(JsonNode dashboard) {
        Map<String, String> expressions = new TreeMap<>();
        for (JsonNode panel : panels(dashboard)) {
            int index = 0;
            for (JsonNode target : panel.path("targets")) {
                expressions.put("panel \"" + panel.path("title").asText() + "\" query " + index++, target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())) {
                String query = variable.path("query").isObject() ? variable.path("query").path("query").asText()
                        : variable.path("query").asText();
                Matcher labelValues = LABEL_VALUES.matcher(query.strip());
                expressions.put("variable " + variable.path("name").asText(),
                        labelValues.matches() ? labelValues.group(1) : query);
            }
        }
        return expressions;
    }

    /** Every rule's expression, by alert name. */
    static Map<String, String> alertExpressions(JsonNode rules) {
        Map<String, String> expressions = new TreeMap<>();
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                expressions.put("alert " + rule.path("alert").asText(), rule.path("expr").asText());
            }
        }
        return expressions;
    }

    /**
     * The metric names of {@code expressions} that {@code exposition} (a scrape of {@code /q/metrics}) has no series
     * of, each with the expression it is in. A name ending in {@code _bucket}, {@code _count} or {@code _sum} belongs to
     * the histogram or summary family without that suffix; a histogram's family name alone selects nothing.
     */
    static List<String> unexportedMetrics(Map<String, String> expressions, String exposition) {
        Set<String> samples = new HashSet<>();
        Matcher sample = SAMPLE.matcher(exposition);
        while (sample.find()) {
            samples.add(sample.group(1));
        }
        Map<String, String> families = new TreeMap<>();
        Matcher type = TYPE.matcher(exposition);
        while (type.find()) {
            families.put(type.group(1), type.group(2));
        }
        List<String> problems = new ArrayList<>();
        expressions.forEach((where, expression) -> {
            for (String name : PromQlNames.of(expression)) {
                if (!exported(name, samples, families)) {
                    problems.add(where + ": " + name + " is not in /q/metrics");
                }
            }
        });
        return problems;
    }

    private static boolean exported(String name, Set<String> samples, Map<String, String> families) {
        for (String suffix : HISTOGRAM_SUFFIXES) {
            if (name.endsWith(suffix)) {
                String family = name.substring(0, name.length() - suffix.length());
                String familyType = families.get(family);
                if ("histogram".equals(familyType) || "summary".equals(familyType)) {
                    return samples.contains(name);
                }
            }
        }
        String familyType = families.get(name);
        return samples.contains(name) && !"histogram".equals(familyType) && !"summary".equals(familyType);
    }
}
