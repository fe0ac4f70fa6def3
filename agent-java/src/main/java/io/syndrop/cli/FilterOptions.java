package io.syndrop.cli;

import io.syndrop.filter.Cidr;
import io.syndrop.filter.EventFilter;
import io.syndrop.os.NetnsRef;
import io.syndrop.proto.v1.Reason;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import io.syndrop.input.UsageException;

/** --port, --src, --netns and --reason, shared (as a picocli mixin) by every command that filters drops. */
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
        return new EventFilter(ports, sources, inodes, rs);
    }
}
