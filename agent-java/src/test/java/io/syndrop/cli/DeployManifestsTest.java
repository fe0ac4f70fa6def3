package io.syndrop.cli;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.syndrop.image.AgentMounts;
import io.syndrop.image.SyndropImage;
import io.syndrop.probe.AgentCapabilities;
import io.syndrop.wire.HostPort;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every manifest under deploy/kubernetes, read into fabric8's Kubernetes API types with unknown
 * fields refused; the agent DaemonSet grants exactly the capabilities of agent-capabilities.txt
 * and the mounts of deploy/image/agent-mounts.txt (the set LeastPrivilegeWatchIT and ContainerImageIT
 * prove sufficient), and every container's arguments parse as
 * options of the command they run.
 */
class DeployManifestsTest {
    private static final Path DIR = Path.of(System.getProperty("syndrop.top", ".."), "deploy", "kubernetes");
    private static final Map<String, Class<?>> KINDS = Map.of(
            "v1/Namespace", Namespace.class,
            "v1/Service", Service.class,
            "apps/v1/DaemonSet", DaemonSet.class,
            "apps/v1/Deployment", Deployment.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    @Test
    void everyManifestIsAKnownKubernetesTypeWithNoUnknownField() throws Exception {
        List<Object> all = readAll();
        assertEquals(Set.of("Namespace", "DaemonSet", "Deployment", "Service", "PodDisruptionBudget"),
                all.stream().map(o -> o.getClass().getSimpleName()).collect(Collectors.toSet()));
    }

    @Test
    void aMisspelledFieldIsRefused() {
        String yaml = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n"
                + "      hostPid: true\n";
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> parse(yaml, "inline"));
        assertTrue(e.getMessage().contains("hostPid"), e.getMessage());
    }

    @Test
    void theAgentGetsExactlyTheDocumentedCapabilitiesAndOnlyReadOnlyHostMountsButTheSpool() throws Exception {
        DaemonSet ds = only(DaemonSet.class);
        PodSpec pod = ds.getSpec().getTemplate().getSpec();
        assertTrue(pod.getHostPID(), "hostPID: the pods' namespaces are found through the node's /proc");
        assertTrue(pod.getHostNetwork(), "hostNetwork: the node's own counters are the agent's host namespace");
        assertTrue(pod.getTolerations().stream().anyMatch(t -> "Exists".equals(t.getOperator()) && t.getKey() == null),
                "tolerates every taint, to run on every node");
        Container c = single(pod);
        Capabilities caps = c.getSecurityContext().getCapabilities();
        assertEquals(List.of("ALL"), caps.getDrop());
        assertEquals(new TreeSet<>(AgentCapabilities.granted().keySet()),
                caps.getAdd().stream().map(n -> "CAP_" + n).collect(Collectors.toCollection(TreeSet::new)));
        // As ContainerImageIT runs the image: its non-root user, the capabilities reaching it through
        // java's file capabilities, which no_new_privs (allowPrivilegeEscalation: false) would void.
        assertEquals((long) SyndropImage.UID, c.getSecurityContext().getRunAsUser(), "the image's user (deploy/image/build.sh)");
        assertTrue(c.getSecurityContext().getRunAsNonRoot());
        assertTrue(c.getSecurityContext().getAllowPrivilegeEscalation(), "file capabilities need it");
        assertFalse(Boolean.TRUE.equals(c.getSecurityContext().getPrivileged()));
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());

        List<String> args = c.getArgs();
        assertTrue(AgentMounts.all().stream().anyMatch(m -> m.path().equals(valueOf(args, "--spool-dir"))
                && m.mode() == AgentMounts.Mode.RW), "the spool is the writable mount of agent-mounts.txt");
        // From the node or a scratch tmpfs, exactly what agent-mounts.txt lists and the container test mounts.
        Set<AgentMounts.Mount> granted = new java.util.HashSet<>();
        for (VolumeMount m : c.getVolumeMounts()) {
            Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst()
                    .orElseThrow(() -> new AssertionError("no volume " + m.getName()));
            if (v.getHostPath() != null) {
                assertEquals(m.getMountPath(), v.getHostPath().getPath(), "the node's path at the same place");
                granted.add(new AgentMounts.Mount(m.getMountPath(),
                        Boolean.TRUE.equals(m.getReadOnly()) ? AgentMounts.Mode.RO : AgentMounts.Mode.RW));
            } else if (v.getEmptyDir() != null) {
                granted.add(new AgentMounts.Mount(m.getMountPath(), AgentMounts.Mode.TMPFS));
            }
        }
        assertEquals(Set.copyOf(AgentMounts.all()), granted, "the mounts of " + AgentMounts.file());
        // The runtimes' sockets: their directories, optional (a node without that runtime still starts
        // the pod), and group 0 to connect to their root:root 0660 sockets (docs/privileges.md).
        for (String dir : List.of("/run/containerd", "/run/crio")) {
            VolumeMount m = c.getVolumeMounts().stream().filter(x -> x.getMountPath().equals(dir)).findFirst()
                    .orElseThrow(() -> new AssertionError("no mount of " + dir));
            Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst().orElseThrow();
            assertEquals("DirectoryOrCreate", v.getHostPath().getType(), dir);
            assertTrue(m.getReadOnly(), dir);
        }
        assertEquals(List.of(0L), pod.getSecurityContext().getSupplementalGroups(), "the sockets' group");
        // Liveness: the process answers; readiness: attached (MetricsServer, MetricsExpositionTest).
        assertEquals("/healthz", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/readyz", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals(c.getLivenessProbe().getHttpGet().getPort(), c.getReadinessProbe().getHttpGet().getPort());
        assertEquals(HostPort.parseListen("--metrics", valueOf(args, "--metrics")).port(),
                c.getReadinessProbe().getHttpGet().getPort().getIntVal(), "probes hit the metrics endpoint");
        assertEquals(Integer.toString(c.getReadinessProbe().getHttpGet().getPort().getIntVal()),
                ds.getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/port"));
        assertNotNull(c.getResources().getLimits().get("memory"));
    }

    @Test
    void containerArgumentsAreOptionsTheCommandAccepts() throws Exception {
        Container agent = single(only(DaemonSet.class).getSpec().getTemplate().getSpec());
        Container collector = single(only(Deployment.class).getSpec().getTemplate().getSpec());
        check(agent.getArgs(), "agent");
        check(collector.getArgs(), "collect");
        HostPort.parseListen("--listen", valueOf(collector.getArgs(), "--listen"));
        HostPort.parseListen("--metrics", valueOf(collector.getArgs(), "--metrics"));
        assertEquals("/healthz", collector.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/readyz", collector.getReadinessProbe().getHttpGet().getPath());
        assertEquals("metrics", collector.getReadinessProbe().getHttpGet().getPort().getStrVal());
        assertTrue(collector.getPorts().stream().anyMatch(p -> "metrics".equals(p.getName()) && p.getContainerPort()
                == HostPort.parseListen("--metrics", valueOf(collector.getArgs(), "--metrics")).port()), "probes hit the metrics endpoint");
        HostPort.parse("--collector", valueOf(agent.getArgs(), "--collector"));
        Service svc = only(Service.class);
        assertEquals(HostPort.parseListen("--listen", valueOf(collector.getArgs(), "--listen")).port(),
                svc.getSpec().getPorts().get(0).getPort());
        assertTrue(valueOf(agent.getArgs(), "--collector").startsWith(svc.getMetadata().getName() + "."
                + svc.getMetadata().getNamespace() + ".svc:"), "the agent publishes to the collector's Service");
        PodDisruptionBudget pdb = only(PodDisruptionBudget.class);
        assertEquals(only(Deployment.class).getSpec().getSelector(), pdb.getSpec().getSelector());
        assertTrue(only(Deployment.class).getSpec().getReplicas() > pdb.getSpec().getMinAvailable().getIntVal());
    }

    private static void check(List<String> args, String verb) {
        assertEquals(verb, args.get(0));
        assertTrue(Cli.commands().containsKey(verb));
        // picocli refuses unknown options, bad values and stray arguments of the command.
        Cli.parseOnly(verb, args.subList(1, args.size()));
    }

    private static String valueOf(List<String> args, String option) {
        int i = args.indexOf(option);
        assertTrue(i >= 0 && i + 1 < args.size(), option + " is given: " + args);
        return args.get(i + 1);
    }

    private static Container single(PodSpec pod) {
        assertEquals(1, pod.getContainers().size());
        return pod.getContainers().get(0);
    }

    private static <T> T only(Class<T> type) throws Exception {
        List<T> found = readAll().stream().filter(type::isInstance).map(type::cast).toList();
        assertEquals(1, found.size(), type.getSimpleName() + " manifests");
        return found.get(0);
    }

    private static List<Object> readAll() throws Exception {
        List<Object> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no manifests in " + DIR);
        for (Path f : files) {
            for (String doc : Files.readString(f).split("(?m)^---\\s*$")) {
                if (!doc.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) {
                    out.add(parse(doc, f.getFileName().toString()));
                }
            }
        }
        return out;
    }

    private static Object parse(String doc, String where) {
        JsonNode tree = YAML.readTree(doc);
        String key = tree.path("apiVersion").asText("") + "/" + tree.path("kind").asText("");
        Class<?> type = KINDS.get(key);
        if (type == null) {
            fail(where + ": no Kubernetes type checked for " + key);
        }
        Object o;
        try {
            o = YAML.treeToValue(tree, type);
        } catch (RuntimeException e) {
            throw new AssertionError(where + ": not a valid " + key + ": " + e.getMessage(), e);
        }
        // fabric8 keeps fields it does not know in additionalProperties instead of failing: look.
        List<String> unknown = new ArrayList<>();
        unknownFields(o, key, unknown, new IdentityHashMap<>());
        if (!unknown.isEmpty()) {
            throw new AssertionError(where + ": fields the Kubernetes API does not have: " + unknown);
        }
        return o;
    }

    private static void unknownFields(Object o, String path, List<String> out, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || seen.put(o, true) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, out, seen));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || Modifier.isStatic(g.getModifiers()) || !g.getName().startsWith("get")
                    || g.getDeclaringClass() == Object.class) {
                continue;
            }
            Object v;
            try {
                v = g.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(path + "." + g.getName() + ": " + e, e);
            }
            if (g.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> out.add(path + "." + k));
                }
            } else {
                unknownFields(v, path + "." + g.getName().substring(3), out, seen);
            }
        }
    }
}
