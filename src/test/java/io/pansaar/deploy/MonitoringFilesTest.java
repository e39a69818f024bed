package io.pansaar.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The structure of deploy/grafana/pansaar.json (a Grafana dashboard whose every panel and query uses the
 * {@code datasource} variable) and deploy/prometheus/pansaar-alerts.yml (Prometheus alerting rules, each with alert,
 * expr, for, a severity, a summary and a description). Each check also runs on a broken copy to show that it notices.
 * MonitoringFilesIT checks their metric names against a running application.
 */
class MonitoringFilesTest {

    @Test
    void theDashboardUsesItsDatasourceVariableEverywhere() throws IOException {
        JsonNode dashboard = MonitoringFiles.dashboard(MonitoringFiles.DASHBOARD);
        assertEquals(List.of(), MonitoringFiles.dashboardProblems(dashboard));
        assertTrue(MonitoringFiles.panels(dashboard).size() >= 10);
    }

    @Test
    void theDashboardCheckNoticesAPanelOnAFixedDataSource() throws IOException {
        JsonNode dashboard = MonitoringFiles.dashboard(MonitoringFiles.DASHBOARD);
        JsonNode panel = MonitoringFiles.panels(dashboard).stream()
                .filter(candidate -> !"row".equals(candidate.path("type").asText())).findFirst().orElseThrow();
        ((ObjectNode) panel.path("targets").get(0)).putObject("datasource").put("type", "prometheus").put("uid", "P1809F7CD0C75ACF3");
        ((ObjectNode) panel).remove("datasource");
        String title = panel.path("title").asText();
        assertEquals(List.of("panel \"" + title + "\" does not use ${datasource}",
                "a query of panel \"" + title + "\" does not use ${datasource}"), MonitoringFiles.dashboardProblems(dashboard));
    }

    @Test
    void theDashboardCheckNoticesAMissingDatasourceVariable() throws IOException {
        JsonNode dashboard = MonitoringFiles.dashboard(MonitoringFiles.DASHBOARD);
        ArrayNode variables = (ArrayNode) dashboard.path("templating").path("list");
        for (int index = variables.size() - 1; index >= 0; index--) {
            if ("datasource".equals(variables.get(index).path("name").asText())) {
                variables.remove(index);
            }
        }
        assertEquals(List.of("no variable \"datasource\" of type datasource with query \"prometheus\""),
                MonitoringFiles.dashboardProblems(dashboard));
    }

    @Test
    void theAlertRulesHaveTheStructurePrometheusLoads() throws IOException {
        JsonNode rules = MonitoringFiles.alertRules(MonitoringFiles.ALERT_RULES);
        assertEquals(List.of(), MonitoringFiles.alertRuleProblems(rules));
        assertEquals(List.of("alert PansaarBacklogGrowing", "alert PansaarDeadLetters", "alert PansaarLowerLaneBacklogGrowing",
                "alert PansaarMemoryOverBudget",
                "alert PansaarNoConsumerReading", "alert PansaarOriginBreakerOpen", "alert PansaarServingStaleIfError"),
                List.copyOf(MonitoringFiles.alertExpressions(rules).keySet()));
    }

    @Test
    void theAlertRuleCheckNoticesMissingFields() throws IOException {
        JsonNode rules = MonitoringFiles.alertRules(MonitoringFiles.ALERT_RULES);
        ObjectNode rule = (ObjectNode) rules.path("groups").get(0).path("rules").get(0);
        String alert = rule.path("alert").asText();
        rule.put("for", "15 minutes");
        ((ObjectNode) rule.path("labels")).put("severity", "page");
        ((ObjectNode) rule.path("annotations")).remove("description");
        assertEquals(List.of(alert + ": for is not a duration: \"15 minutes\"",
                alert + ": labels.severity \"page\" is not one of [critical, warning, info]",
                alert + ": no annotations.description"), MonitoringFiles.alertRuleProblems(rules));
    }
}
