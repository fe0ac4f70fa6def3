package io.syndrop.cli;

import io.syndrop.filter.Cidr;
import io.syndrop.filter.EventFilter;
import io.syndrop.os.NetnsRef;
import io.syndrop.proto.v1.Reason;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import io.syndrop.input.UsageException;

/** --port, --src, --netns and --reason, shared by every command that filters drops. */
public final class FilterOptions {
    public static final Set<String> NAMES = Set.of("port", "src", "netns", "reason");
    public static final String USAGE =
            "  --port P[,P...]      destination (listener) ports; repeatable\n"
          + "  --src CIDR           source address or prefix (10.0.0.0/8, fd00::/8); repeatable\n"
          + "  --netns NS           namespace: name under /var/run/netns, pid:N, or inode; repeatable\n"
          + "  --reason R[,R...]    PEER_UNPROVEN, PAWS_PASSIVE_REJECTED, SYN_QUEUE_FULL, ACCEPT_QUEUE_FULL,\n"
          + "                       TIMEWAIT_PAWS, CONN_REQUEST_OTHER, KERNEL_REASON; repeatable\n";

    private FilterOptions() {}

    public static EventFilter parse(Args a) {
        List<Integer> ports = new ArrayList<>();
        for (String v : split(a.all("port"))) {
            try {
                int p = Integer.parseInt(v);
                if (p < 1 || p > 65535) {
                    throw new NumberFormatException();
                }
                ports.add(p);
            } catch (NumberFormatException e) {
                throw new UsageException("--port expects a port number 1-65535, got '" + v + "'");
            }
        }
        List<Cidr> cidrs = new ArrayList<>();
        for (String v : split(a.all("src"))) {
            try {
                cidrs.add(Cidr.parse(v));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--src: " + e.getMessage());
            }
        }
        List<Long> netns = new ArrayList<>();
        for (String v : a.all("netns")) {
            try {
                netns.add(NetnsRef.inode(v));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--netns: " + e.getMessage());
            }
        }
        Set<Reason> reasons = EnumSet.noneOf(Reason.class);
        for (String v : split(a.all("reason"))) {
            try {
                reasons.add(EventFilter.parseReason(v));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--reason: " + e.getMessage());
            }
        }
        return new EventFilter(ports, cidrs, netns, reasons);
    }

    private static List<String> split(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            for (String p : v.split(",")) {
                if (!p.isBlank()) {
                    out.add(p.trim());
                }
            }
        }
        return out;
    }
}
