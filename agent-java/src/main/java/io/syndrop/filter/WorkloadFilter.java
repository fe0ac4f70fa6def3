package io.syndrop.filter;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Filter;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The workload part of a filter ({@code --pod NAMESPACE/NAME}, {@code --k8s-namespace},
 * {@code --container}, {@code --process}; proto Filter fields 5-8). Each dimension given must
 * match; within one, any value. It matches only events whose identity the agent resolved: an
 * event of an unknown listener is not shown to a viewer who asked for a pod.
 */
public record WorkloadFilter(Set<String> pods, Set<String> k8sNamespaces, Set<String> containers, Set<String> processes) {
    public static final WorkloadFilter ANY = new WorkloadFilter(Set.of(), Set.of(), Set.of(), Set.of());
    private static final int MIN_ID_PREFIX = 12;
    private static final int MAX_VALUE = 256;

    public WorkloadFilter {
        pods = Set.copyOf(pods);
        k8sNamespaces = Set.copyOf(k8sNamespaces);
        containers = Set.copyOf(containers);
        processes = Set.copyOf(processes);
    }

    /** Checks each value; IllegalArgumentException names the field and what is wrong. */
    public static WorkloadFilter of(List<String> pods, List<String> namespaces, List<String> containers,
                                    List<String> processes) {
        for (String p : pods) {
            int slash = p.indexOf('/');
            if (slash <= 0 || slash == p.length() - 1 || p.indexOf('/', slash + 1) >= 0) {
                throw new IllegalArgumentException("pods: '" + p + "' is not NAMESPACE/NAME (e.g. ingress-nginx/ingress-nginx-controller-7d9)");
            }
            check("pods", p);
        }
        namespaces.forEach(n -> check("k8s_namespaces", n));
        containers.forEach(c -> check("containers", c));
        processes.forEach(c -> check("processes", c));
        return new WorkloadFilter(Set.copyOf(pods), Set.copyOf(namespaces), Set.copyOf(containers), Set.copyOf(processes));
    }

    private static void check(String field, String v) {
        if (v.isBlank()) {
            throw new IllegalArgumentException(field + ": an empty value matches nothing; leave it out to match all");
        }
        if (v.length() > MAX_VALUE) {
            throw new IllegalArgumentException(field + ": value longer than " + MAX_VALUE + " characters");
        }
    }

    public boolean isAny() {
        return pods.isEmpty() && k8sNamespaces.isEmpty() && containers.isEmpty() && processes.isEmpty();
    }

    void addTo(Filter.Builder b) {
        // Sorted: the same filter always makes the same message.
        b.addAllPods(new TreeSet<>(pods)).addAllK8SNamespaces(new TreeSet<>(k8sNamespaces))
                .addAllContainers(new TreeSet<>(containers)).addAllProcesses(new TreeSet<>(processes));
    }

    /** The pod, namespace and container part: what the namespace's owner decides alone. */
    public WorkloadFilter withoutProcesses() {
        return new WorkloadFilter(pods, k8sNamespaces, containers, Set.of());
    }

    /** The process part alone. */
    public WorkloadFilter processesOnly() {
        return new WorkloadFilter(Set.of(), Set.of(), Set.of(), processes);
    }

    public boolean matches(DropEvent e) {
        if (!pods.isEmpty() && (e.getPodName().isEmpty() || !pods.contains(e.getPodNamespace() + "/" + e.getPodName()))) {
            return false;
        }
        if (!k8sNamespaces.isEmpty() && !k8sNamespaces.contains(e.getPodNamespace())) {
            return false;
        }
        if (!containers.isEmpty() && !containers.stream().anyMatch(c -> containerMatches(c, e))) {
            return false;
        }
        return processes.isEmpty() || processes.stream().anyMatch(p -> processMatches(p, e));
    }

    /** A container by its name, its full id, or an id prefix of 12+ hex digits (what `docker ps` shows). */
    private static boolean containerMatches(String c, DropEvent e) {
        String id = e.getContainerId();
        if (id.isEmpty()) {
            return false;
        }
        if (c.equals(e.getContainerName()) || c.equals(id)) {
            return true;
        }
        return c.length() >= MIN_ID_PREFIX && c.toLowerCase(Locale.ROOT).chars().allMatch(ch -> Character.digit(ch, 16) >= 0)
                && id.startsWith(c.toLowerCase(Locale.ROOT));
    }

    /** A process by its comm ("nginx") or its pid ("812"). */
    private static boolean processMatches(String p, DropEvent e) {
        if (e.getProcessPid() == 0) {
            return false;
        }
        if (p.equals(e.getProcessComm())) {
            return true;
        }
        return p.chars().allMatch(Character::isDigit) && p.length() <= 10 && Long.parseLong(p) == e.getProcessPid();
    }
}
