package io.syndrop.cli;

import io.syndrop.filter.Cidr;
import io.syndrop.filter.EventFilter;
import io.syndrop.filter.WorkloadFilter;
import io.syndrop.os.NetnsRef;
import io.syndrop.proto.v1.Reason;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import io.syndrop.input.UsageException;

/** --port, --src, --netns, --reason and the workload filters (--pod, --k8s-namespace, --container, --process), shared (as a picocli mixin) by every command that filters drops. */
public final class FilterOptions {
    @Option(names = "--port", paramLabel = "P", split = "\\s*,\\s*", splitSynopsisLabel = ",",
            description = "destination (listener) ports, 1-65535; repeatable")
    List<Integer> ports = new ArrayList<>();

    @Option(names = "--src", paramLabel = "CIDR", split = "\\s*,\\s*", splitSynopsisLabel = ",", converter = OptionConverters.CidrValue.class,
            description = "source address or prefix (10.0.0.0/8, fd00::/8); repeatable")
    List<Cidr> sources = new ArrayList<>();

    @Option(names = "--netns", paramLabel = "NS",
            description = "namespace: name under /var/run/netns, pid:N, or inode; repeatable")
    List<String> netns = new ArrayList<>();

    @Option(names = "--reason", paramLabel = "R", split = "\\s*,\\s*", splitSynopsisLabel = ",", converter = OptionConverters.ReasonValue.class,
            description = {"PEER_UNPROVEN, PAWS_PASSIVE_REJECTED, SYN_QUEUE_FULL, ACCEPT_QUEUE_FULL,",
                    "TIMEWAIT_PAWS, CONN_REQUEST_OTHER, KERNEL_REASON; repeatable"})
    List<Reason> reasons = new ArrayList<>();

    @Option(names = "--pod", paramLabel = "NAMESPACE/NAME", split = "\\s*,\\s*", splitSynopsisLabel = ",",
            description = "Kubernetes pod of the listener (drops whose listener is resolved); repeatable")
    List<String> pods = new ArrayList<>();

    @Option(names = "--k8s-namespace", paramLabel = "NS", split = "\\s*,\\s*", splitSynopsisLabel = ",",
            description = "Kubernetes namespace of the listener's pod; repeatable")
    List<String> k8sNamespaces = new ArrayList<>();

    @Option(names = "--container", paramLabel = "NAME|ID", split = "\\s*,\\s*", splitSynopsisLabel = ",",
            description = "the listener's container: name, id, or id prefix of 12+ hex digits; repeatable")
    List<String> containers = new ArrayList<>();

    @Option(names = "--process", paramLabel = "COMM|PID", split = "\\s*,\\s*", splitSynopsisLabel = ",",
            description = "the listener's process: its comm (nginx) or pid; repeatable")
    List<String> processes = new ArrayList<>();

    /** The --netns values as given (names, pid:N, inodes). */
    public List<String> netns() {
        return netns;
    }

    /** The filter these options describe; a port out of range or a namespace that cannot be found is a usage error. */
    public EventFilter filter() {
        for (int p : ports) {
            if (p < 1 || p > 65535) {
                throw new UsageException("--port expects a port number 1-65535, got '" + p + "'");
            }
        }
        List<Long> inodes = new ArrayList<>();
        for (String v : netns) {
            try {
                inodes.add(NetnsRef.inode(v));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--netns: " + e.getMessage());
            }
        }
        Set<Reason> rs = reasons.isEmpty() ? EnumSet.noneOf(Reason.class) : EnumSet.copyOf(reasons);
        WorkloadFilter w;
        try {
            w = WorkloadFilter.of(pods, k8sNamespaces, containers, processes);
        } catch (IllegalArgumentException e) {
            // WorkloadFilter names the proto field; the user typed the option.
            throw new UsageException(e.getMessage().replaceFirst("^pods:", "--pod:").replaceFirst("^k8s_namespaces:", "--k8s-namespace:")
                    .replaceFirst("^containers:", "--container:").replaceFirst("^processes:", "--process:"));
        }
        return new EventFilter(ports, sources, inodes, rs, w);
    }
}
