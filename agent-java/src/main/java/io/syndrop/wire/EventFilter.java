package io.syndrop.wire;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Filter;
import io.syndrop.proto.v1.WatchItem;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@link Filter} of `syndrop watch`, Agent.Watch and Collector.Subscribe, compiled once.
 * Empty fields match everything; loss records and counter samples always pass (they explain gaps).
 */
public final class EventFilter {
    private final Set<Integer> ports = new HashSet<>();
    private final List<Cidr> cidrs = new ArrayList<>();
    private final Set<Long> netns = new HashSet<>();
    private final Set<Integer> reasons = new HashSet<>();

    public EventFilter(Filter f) {
        f.getPortsList().forEach(p -> ports.add(p));
        for (String c : f.getSrcCidrsList()) {
            cidrs.add(Cidr.parse(c));
        }
        f.getNetnsInosList().forEach(n -> netns.add(n));
        f.getReasonsValueList().forEach(r -> reasons.add(r));
    }

    public boolean matches(WatchItem item) {
        return !item.hasEvent() || matches(item.getEvent());
    }

    public boolean matches(DropEvent e) {
        if (!ports.isEmpty() && !ports.contains(e.getDstPort())) {
            return false;
        }
        if (!netns.isEmpty() && !netns.contains(e.getNetnsIno())) {
            return false;
        }
        if (!reasons.isEmpty() && !reasons.contains(e.getReasonValue())) {
            return false;
        }
        if (!cidrs.isEmpty()) {
            byte[] addr = Cidr.bytes(e.getSrcAddr());
            return addr != null && cidrs.stream().anyMatch(c -> c.contains(addr));
        }
        return true;
    }

    record Cidr(byte[] net, int bits) {
        static Cidr parse(String s) {
            int slash = s.indexOf('/');
            byte[] net = bytes(slash < 0 ? s : s.substring(0, slash));
            if (net == null) {
                throw new IllegalArgumentException("not an address/prefix: '" + s + "'");
            }
            int bits = slash < 0 ? net.length * 8 : Integer.parseInt(s.substring(slash + 1));
            if (bits < 0 || bits > net.length * 8) {
                throw new IllegalArgumentException("prefix length out of range in '" + s + "'");
            }
            return new Cidr(net, bits);
        }

        static byte[] bytes(String literal) {
            // Only literals: a filter must never trigger a DNS lookup.
            if (literal.isEmpty() || !(literal.contains(":") || literal.chars().allMatch(ch -> ch == '.' || Character.isDigit(ch)))) {
                return null;
            }
            try {
                return InetAddress.getByName(literal).getAddress();
            } catch (UnknownHostException e) {
                return null;
            }
        }

        boolean contains(byte[] a) {
            if (a.length != net.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != net[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (net[full] & mask);
        }
    }
}
