package io.pansaar.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.pansaar.startup.StartupCheck;
import io.pansaar.config.PansaarConfig;
import io.pansaar.testing.MappingProperties;
import io.pansaar.testing.TestConfigs;
import io.pansaar.key.RedisKeys;
import io.quarkus.runtime.configuration.DurationConverter;

/**
 * The Kubernetes manifests under k8s/ and deploy/Dockerfile.jvm agree with the application: every
 * environment variable names a setting it knows, probes, grace period, KEDA triggers and image
 * layout match what the code does. Each check returns the problems it finds, and is also run on a
 * broken copy of the manifests to show that it notices.
 */
class ManifestsTest {

    private static final Path K8S = Path.of("k8s");
    private static final Path DOCKERFILE = Path.of("deploy", "Dockerfile.jvm");
    private static final int HTTP_PORT = 8080;

    /**
     * Quarkus keys the deployment may set that application.properties does not mention; each is
     * documented in docs/configuration.md.
     */
    private static final Set<String> DOCUMENTED_QUARKUS_KEYS = Set.of("quarkus.redis.client-type");

    private static final YAMLMapper YAML = new YAMLMapper();

    // --- checks on the real files ------------------------------------------------------------

    @Test
    void parsesEveryManifestIntoKubernetesObjects() throws IOException {
        List<JsonNode> documents = allDocuments();
        assertFalse(documents.isEmpty());
        for (JsonNode document : documents) {
            assertTrue(document.hasNonNull("apiVersion") && document.hasNonNull("kind"),
                    () -> "not a Kubernetes object: " + document);
        }
    }

    @Test
    void everyEnvironmentVariableNamesAKnownSetting() throws IOException {
        assertEquals(List.of(), unknownEnvironmentVariables(allDocuments(), knownSettingPatterns()));
    }

    @Test
    void theConfigMapPassesTheStartUpCheck() throws IOException {
        Map<String, String> environment = new TreeMap<>();
        configMap(allDocuments()).path("data").fields()
                .forEachRemaining(entry -> environment.put(entry.getKey(), entry.getValue().asText()));
        Map<String, String> properties = new TreeMap<>();
        // The production profile's view of application.properties: keys without a profile prefix.
        TestConfigs.applicationProperties().forEach((key, value) -> {
            if (!key.toString().startsWith("%")) {
                properties.put(key.toString(), value.toString());
            }
        });
        StartupCheck.check(TestConfigs.pansaarConfig(properties, environment));
    }

    @Test
    void probesUseTheHealthEndpointsOnTheHttpPort() throws IOException {
        assertEquals(List.of(), probeProblems(deployment(allDocuments())));
    }

    @Test
    void terminationGraceOutlastsTheShutdownTimeout() throws IOException {
        List<JsonNode> documents = allDocuments();
        assertEquals(List.of(), gracePeriodProblems(documents, shutdownTimeout(documents)));
    }

    @Test
    void kedaTriggersWatchEveryPartitionsJobStream() throws IOException {
        assertEquals(List.of(), kedaProblems(allDocuments()));
    }

    @Test
    void kustomizationListsEveryManifestButTheExamples() throws IOException {
        assertEquals(List.of(), kustomizationProblems(kustomization(), manifestFileNames()));
    }

    @Test
    void deploymentReadsTheConfigMapAndSecretTheManifestsDefine() throws IOException {
        assertEquals(List.of(), envFromProblems(allDocuments()));
    }

    @Test
    void dockerfileCopiesTheFourQuarkusAppPartsAndRunsAsNonRoot() throws IOException {
        assertEquals(List.of(), dockerfileProblems(Files.readString(DOCKERFILE)));
    }

    // --- the same checks on broken copies, so a mistake is caught --------------------------------

    @Test
    void noticesAnEnvironmentVariableNoSettingHas() throws IOException {
        List<JsonNode> documents = allDocuments();
        ((ObjectNode) configMap(documents).get("data")).put("PANSAAR_WORKER_SHUTDOWN_TIMEOUTS", "20s");
        ObjectNode env = (ObjectNode) container(deployment(documents)).withArray("env").addObject();
        env.put("name", "QUARKUS_REDIS_HOST").put("value", "redis://elsewhere:6379");

        assertEquals(List.of("PANSAAR_WORKER_SHUTDOWN_TIMEOUTS", "QUARKUS_REDIS_HOST"),
                unknownEnvironmentVariables(documents, knownSettingPatterns()));
    }

    @Test
    void acceptsSegmentVariablesAndRejectsUnknownSegmentSettings() throws IOException {
        List<JsonNode> documents = allDocuments();
        ObjectNode data = (ObjectNode) configMap(documents).get("data");
        data.put("PANSAAR_SEGMENTS__AVATARS__BASE_TTL", "6h");
        data.put("PANSAAR_SEGMENTS__BANNERS__ORIGIN_URL", "https://banners.example.com/");
        data.put("PANSAAR_SEGMENTS__AVATARS__COLOUR", "blue");

        assertEquals(List.of("PANSAAR_SEGMENTS__AVATARS__COLOUR"),
                unknownEnvironmentVariables(documents, knownSettingPatterns()));
    }

    @Test
    void noticesAProbeOnTheWrongPathOrPort() throws IOException {
        JsonNode deployment = deployment(allDocuments());
        ((ObjectNode) container(deployment).get("livenessProbe").get("httpGet")).put("path", "/health");
        ((ObjectNode) container(deployment).get("readinessProbe").get("httpGet")).put("port", 9090);

        assertEquals(2, probeProblems(deployment).size());
    }

    @Test
    void noticesAGracePeriodShorterThanTheShutdownTimeout() throws IOException {
        List<JsonNode> documents = allDocuments();
        ((ObjectNode) deployment(documents).get("spec").get("template").get("spec"))
                .put("terminationGracePeriodSeconds", 20);

        assertEquals(1, gracePeriodProblems(documents, Duration.ofSeconds(20)).size());
    }

    @Test
    void noticesAMissingPartitionOrAWrongGroup() throws IOException {
        List<JsonNode> documents = allDocuments();
        JsonNode triggers = scaledObject(documents).get("spec").get("triggers");
        ((ArrayNode) triggers).remove(triggers.size() - 1);
        ((ObjectNode) triggers.get(0).get("metadata")).put("consumerGroup", "workers");

        List<String> problems = kedaProblems(documents);
        // The last trigger watches the last partition's warm stream.
        assertTrue(problems.stream().anyMatch(problem -> problem.contains(RedisKeys.warm(15))), problems::toString);
        assertTrue(problems.stream().anyMatch(problem -> problem.contains("workers")), problems::toString);
    }

    @Test
    void noticesAManifestMissingFromTheKustomization() throws IOException {
        Set<String> files = new TreeSet<>(manifestFileNames());
        files.add("networkpolicy.yaml");
        files.add("secret.example.yaml");

        assertEquals(List.of("kustomization.yaml does not list networkpolicy.yaml"),
                kustomizationProblems(kustomization(), files));
    }

    @Test
    void noticesADockerfileMissingALayerOrRunningAsRoot() throws IOException {
        String dockerfile = Files.readString(DOCKERFILE)
                .replace("COPY --chown=185 target/quarkus-app/quarkus/ /deployments/quarkus/\n", "")
                .replace("USER 185", "USER 0");

        assertEquals(2, dockerfileProblems(dockerfile).size(), () -> dockerfileProblems(dockerfile).toString());
    }

    // --- the checks ----------------------------------------------------------------------------

    /** Names of environment variables set by a ConfigMap, Secret or container that no setting matches. */
    private static List<String> unknownEnvironmentVariables(List<JsonNode> documents, List<Pattern> known) {
        return environmentVariableNames(documents).stream()
                .filter(name -> known.stream().noneMatch(pattern -> pattern.matcher(name).matches()))
                .sorted()
                .toList();
    }

    private static List<String> probeProblems(JsonNode deployment) {
        JsonNode container = container(deployment);
        List<String> problems = new ArrayList<>();
        expectProbe(container, "startupProbe", "/q/health/live", problems);
        expectProbe(container, "livenessProbe", "/q/health/live", problems);
        expectProbe(container, "readinessProbe", "/q/health/ready", problems);
        return problems;
    }

    private static void expectProbe(JsonNode container, String probe, String path, List<String> problems) {
        JsonNode httpGet = container.path(probe).path("httpGet");
        if (!path.equals(httpGet.path("path").asText())) {
            problems.add(probe + " asks " + httpGet.path("path").asText() + ", not " + path);
        }
        if (containerPort(container, httpGet.path("port")) != HTTP_PORT) {
            problems.add(probe + " asks port " + httpGet.path("port").asText() + ", not " + HTTP_PORT);
        }
    }

    /** A probe's port as a number, resolving a named port through the container's ports. */
    private static int containerPort(JsonNode container, JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode declared : container.path("ports")) {
            if (declared.path("name").asText().equals(port.asText())) {
                return declared.path("containerPort").asInt();
            }
        }
        return -1;
    }

    private static List<String> gracePeriodProblems(List<JsonNode> documents, Duration shutdownTimeout) {
        JsonNode grace = deployment(documents).path("spec").path("template").path("spec")
                .path("terminationGracePeriodSeconds");
        // Kubernetes' default grace period when the field is absent.
        long graceSeconds = grace.isMissingNode() ? 30 : grace.asLong();
        if (graceSeconds > shutdownTimeout.toSeconds()) {
            return List.of();
        }
        return List.of("terminationGracePeriodSeconds " + graceSeconds
                + " does not exceed pansaar.worker.shutdown-timeout " + shutdownTimeout);
    }

    private static List<String> kedaProblems(List<JsonNode> documents) {
        JsonNode scaledObject = scaledObject(documents);
        List<String> problems = new ArrayList<>();
        String deploymentName = deployment(documents).path("metadata").path("name").asText();
        if (!deploymentName.equals(scaledObject.path("spec").path("scaleTargetRef").path("name").asText())) {
            problems.add("the ScaledObject does not target the Deployment " + deploymentName);
        }
        int minReplicas = scaledObject.path("spec").path("minReplicaCount").asInt();
        int minAvailable = document(documents, "PodDisruptionBudget").path("spec").path("minAvailable").asInt();
        if (minReplicas <= minAvailable) {
            problems.add("minReplicaCount " + minReplicas + " leaves no pod a drain may evict (minAvailable "
                    + minAvailable + ")");
        }

        int partitions = Integer.parseInt(setting(documents, "PANSAAR_PARTITIONS", "pansaar.partitions"));
        // Each partition's job, early-refresh and warm stream: the fleet scales on the whole backlog, every lane included.
        Set<String> expectedStreams = IntStream.range(0, partitions)
                .mapToObj(partition -> List.of(RedisKeys.jobs(partition), RedisKeys.earlyRefresh(partition),
                        RedisKeys.warm(partition)))
                .flatMap(List::stream).collect(Collectors.toCollection(TreeSet::new));
        Set<String> watchedStreams = new TreeSet<>();
        String redisAddress = redisAddress(documents);
        for (JsonNode trigger : scaledObject.path("spec").path("triggers")) {
            JsonNode metadata = trigger.path("metadata");
            String stream = metadata.path("stream").asText();
            if (!trigger.path("type").asText().equals("redis-streams")) {
                problems.add(stream + ": trigger type " + trigger.path("type").asText() + " is not redis-streams");
            }
            if (!watchedStreams.add(stream)) {
                problems.add(stream + " is watched twice");
            }
            if (!RedisKeys.CONSUMER_GROUP.equals(metadata.path("consumerGroup").asText())) {
                problems.add(stream + ": consumer group " + metadata.path("consumerGroup").asText()
                        + " is not " + RedisKeys.CONSUMER_GROUP);
            }
            if (!metadata.hasNonNull("lagCount")) {
                problems.add(stream + ": no lagCount");
            }
            if (!redisAddress.equals(metadata.path("address").asText())) {
                problems.add(stream + ": address " + metadata.path("address").asText()
                        + " is not QUARKUS_REDIS_HOSTS' " + redisAddress);
            }
        }
        for (String missing : difference(expectedStreams, watchedStreams)) {
            problems.add("no trigger watches " + missing);
        }
        for (String extra : difference(watchedStreams, expectedStreams)) {
            problems.add(extra + " is not a job, early-refresh or warm stream of " + partitions + " partitions");
        }
        return problems;
    }

    private static List<String> kustomizationProblems(JsonNode kustomization, Set<String> manifestFiles) {
        Set<String> listed = new TreeSet<>();
        kustomization.path("resources").forEach(resource -> listed.add(resource.asText()));
        List<String> problems = new ArrayList<>();
        for (String file : manifestFiles) {
            boolean example = file.endsWith(".example.yaml");
            if (example && listed.contains(file)) {
                problems.add("kustomization.yaml lists the example " + file + ", which would overwrite the real one");
            } else if (!example && !listed.contains(file)) {
                problems.add("kustomization.yaml does not list " + file);
            }
        }
        for (String missing : difference(listed, manifestFiles)) {
            problems.add("kustomization.yaml lists " + missing + ", which does not exist");
        }
        return problems;
    }

    private static List<String> envFromProblems(List<JsonNode> documents) {
        List<String> problems = new ArrayList<>();
        for (JsonNode source : container(deployment(documents)).path("envFrom")) {
            expectDefined(documents, source, "configMapRef", "ConfigMap", problems);
            expectDefined(documents, source, "secretRef", "Secret", problems);
        }
        return problems;
    }

    private static void expectDefined(List<JsonNode> documents, JsonNode source, String reference, String kind,
            List<String> problems) {
        if (!source.has(reference)) {
            return;
        }
        String name = source.get(reference).path("name").asText();
        boolean defined = documents.stream().anyMatch(document -> kind.equals(document.path("kind").asText())
                && name.equals(document.path("metadata").path("name").asText()));
        if (!defined) {
            problems.add("envFrom " + reference + " " + name + " names no " + kind + " under k8s/");
        }
    }

    private static List<String> dockerfileProblems(String dockerfile) {
        List<String> problems = new ArrayList<>();
        for (String part : List.of("lib/", "*.jar", "app/", "quarkus/")) {
            Pattern copy = Pattern.compile("(?m)^COPY\\s+(--chown=\\S+\\s+)?target/quarkus-app/"
                    + Pattern.quote(part) + "\\s+/deployments/");
            if (!copy.matcher(dockerfile).find()) {
                problems.add("no COPY of target/quarkus-app/" + part);
            }
        }
        if (!Pattern.compile("(?m)^EXPOSE\\s+" + HTTP_PORT + "\\s*$").matcher(dockerfile).find()) {
            problems.add("does not EXPOSE " + HTTP_PORT);
        }
        var user = Pattern.compile("(?m)^USER\\s+(\\S+)\\s*$").matcher(dockerfile);
        String lastUser = null;
        while (user.find()) {
            lastUser = user.group(1);
        }
        if (lastUser == null || !lastUser.matches("[1-9][0-9]*")) {
            problems.add("the final USER " + lastUser + " is not a numeric non-root user");
        }
        return problems;
    }

    // --- what the application knows ------------------------------------------------------------

    /** Environment-variable forms of every pansaar.* setting of PansaarConfig and the Quarkus keys in use. */
    private static List<Pattern> knownSettingPatterns() {
        List<String> properties = new ArrayList<>();
        // A map key (a segment's name) may be any name: "*" in the pattern.
        MappingProperties.of(PansaarConfig.class).keySet()
                .forEach(property -> properties.add(property.replace(MappingProperties.MAP_KEY, "\"*\"")));
        properties.addAll(quarkusKeys());
        return properties.stream().map(ManifestsTest::environmentVariablePattern).toList();
    }

    /** quarkus.* keys of application.properties (without profile prefix) and the documented extras. */
    private static Set<String> quarkusKeys() {
        Set<String> keys = TestConfigs.applicationProperties().stringPropertyNames().stream()
                .map(key -> key.replaceFirst("^%[^.]+\\.", ""))
                .filter(key -> key.startsWith("quarkus."))
                .collect(Collectors.toCollection(TreeSet::new));
        keys.addAll(DOCUMENTED_QUARKUS_KEYS);
        return keys;
    }

    /**
     * The environment variable names of a property, as SmallRye Config maps them: every character
     * other than a letter or digit becomes "_", then upper case; a "*" map key is any segment name.
     */
    private static Pattern environmentVariablePattern(String property) {
        return Pattern.compile(Stream.of(property.split("\\*", -1))
                .map(part -> Pattern.quote(part.replaceAll("[^A-Za-z0-9]", "_").toUpperCase()))
                .collect(Collectors.joining("[A-Z0-9_]+")));
    }

    /** The default of pansaar.worker.shutdown-timeout, or the ConfigMap's value when it sets one. */
    private static Duration shutdownTimeout(List<JsonNode> documents) {
        return DurationConverter.parseDuration(setting(documents, "PANSAAR_WORKER_SHUTDOWN_TIMEOUT", "pansaar.worker.shutdown-timeout"));
    }

    /** A ConfigMap value, else application.properties' value of the key, else the mapping's default. */
    private static String setting(List<JsonNode> documents, String variable, String propertyKey) {
        JsonNode value = configMap(documents).path("data").path(variable);
        if (!value.isMissingNode()) {
            return value.asText();
        }
        String fromFile = TestConfigs.applicationProperties().getProperty(propertyKey);
        return fromFile != null ? fromFile : defaultOf(propertyKey);
    }

    /** The @WithDefault of a PansaarConfig property. */
    private static String defaultOf(String property) {
        return MappingProperties.of(PansaarConfig.class).getOrDefault(property, Optional.empty())
                .orElseThrow(() -> new IllegalStateException(property + " has no default in PansaarConfig"));
    }

    // --- reading the manifests -----------------------------------------------------------------

    private static List<JsonNode> allDocuments() throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        for (String file : manifestFileNames()) {
            try (var values = YAML.readerFor(JsonNode.class).<JsonNode>readValues(K8S.resolve(file).toFile())) {
                while (values.hasNext()) {
                    JsonNode document = values.next();
                    if (document != null && !document.isNull() && !document.isMissingNode()) {
                        documents.add(document);
                    }
                }
            }
        }
        return documents;
    }

    /** Every YAML file under k8s/ except the kustomization itself. */
    private static Set<String> manifestFileNames() throws IOException {
        try (Stream<Path> files = Files.list(K8S)) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".yaml") || name.endsWith(".yml"))
                    .filter(name -> !name.equals("kustomization.yaml"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static JsonNode kustomization() throws IOException {
        return YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
    }

    private static Set<String> environmentVariableNames(List<JsonNode> documents) {
        Set<String> names = new TreeSet<>();
        for (JsonNode document : documents) {
            String kind = document.path("kind").asText();
            if (kind.equals("ConfigMap")) {
                document.path("data").fieldNames().forEachRemaining(names::add);
            } else if (kind.equals("Secret")) {
                document.path("data").fieldNames().forEachRemaining(names::add);
                document.path("stringData").fieldNames().forEachRemaining(names::add);
            }
        }
        for (JsonNode container : deployment(documents).path("spec").path("template").path("spec").path("containers")) {
            container.path("env").forEach(variable -> names.add(variable.path("name").asText()));
        }
        return names;
    }

    /** host:port of QUARKUS_REDIS_HOSTS in the ConfigMap, the form KEDA's address takes. */
    private static String redisAddress(List<JsonNode> documents) {
        return configMap(documents).path("data").path("QUARKUS_REDIS_HOSTS").asText()
                .replaceFirst("^rediss?://([^@/]*@)?", "")
                .replaceFirst("/.*$", "");
    }

    private static JsonNode document(List<JsonNode> documents, String kind) {
        List<JsonNode> ofKind = documents.stream().filter(document -> kind.equals(document.path("kind").asText()))
                .toList();
        assertEquals(1, ofKind.size(), () -> "expected one " + kind + " under k8s/");
        return ofKind.get(0);
    }

    private static JsonNode deployment(List<JsonNode> documents) {
        return document(documents, "Deployment");
    }

    private static JsonNode configMap(List<JsonNode> documents) {
        return document(documents, "ConfigMap");
    }

    private static JsonNode scaledObject(List<JsonNode> documents) {
        return document(documents, "ScaledObject");
    }

    private static ObjectNode container(JsonNode deployment) {
        JsonNode containers = deployment.path("spec").path("template").path("spec").path("containers");
        assertEquals(1, containers.size(), "expected one container in the Deployment");
        return (ObjectNode) containers.get(0);
    }

    private static Set<String> difference(Set<String> from, Set<String> without) {
        Set<String> rest = new TreeSet<>(from);
        rest.removeAll(without);
        return rest;
    }
}
