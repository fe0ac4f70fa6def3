package io.syndrop.counters;

import io.syndrop.proto.v1.CounterSample;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** Converts samples to and from the wire message syndrop.v1.CounterSample. */
public final class CounterSamples {
    private CounterSamples() {}

    /** Every counter of the sample. */
    public static CounterSample toProto(CounterSnapshot s, String node, String agentId, long agentBoot) {
        return toProto(s, node, agentId, agentBoot, k -> true);
    }

    /** Only the counters {@code keep} accepts ("TcpExt:ListenDrops"...), to keep periodic samples small. */
    public static CounterSample toProto(CounterSnapshot s, String node, String agentId, long agentBoot,
                                        Predicate<String> keep) {
        CounterSample.Builder b = CounterSample.newBuilder()
                .setNode(node == null ? "" : node)
                .setNetnsIno(s.netnsIno())
                .setAgentId(agentId == null ? "" : agentId)
                .setAgentBoot(agentBoot);
        s.time().ifPresent(t -> b.setTimeUnixNano(t.getEpochSecond() * 1_000_000_000L + t.getNano()));
        s.counters().forEach((k, v) -> {
            if (keep.test(k)) {
                b.putCounters(k, v);
            }
        });
        b.putAllSysctls(s.sysctls().asMap());
        return b.build();
    }

    /**
     * A sample received over the wire, for diagnosis elsewhere (a collector, `doctor` on recorded
     * samples). Groups come back in first-seen order of the keys; raw text formatting is canonical.
     */
    public static CounterSnapshot fromProto(CounterSample p) {
        Map<String, List<String[]>> byGroup = new LinkedHashMap<>();
        p.getCountersMap().forEach((k, v) -> {
            int c = k.indexOf(':');
            String group = c < 0 ? "Unknown" : k.substring(0, c);
            byGroup.computeIfAbsent(group, g -> new ArrayList<>()).add(new String[] {k.substring(c + 1), Long.toString(v)});
        });
        List<CounterGroup> netstat = new ArrayList<>();
        List<CounterGroup> snmp = new ArrayList<>();
        byGroup.forEach((g, cols) -> {
            CounterGroup cg = new CounterGroup(g, cols.stream().map(a -> a[0]).toList(), cols.stream().map(a -> a[1]).toList());
            (SNMP_GROUPS.contains(g) ? snmp : netstat).add(cg);
        });
        Optional<Instant> t = p.getTimeUnixNano() == 0 ? Optional.empty()
                : Optional.of(Instant.ofEpochSecond(0, p.getTimeUnixNano()));
        return new CounterSnapshot(t, new CounterTable("wire", netstat), new CounterTable("wire", snmp),
                new Sysctls(p.getSysctlsMap()), p.getNetnsIno(), "sample from " + p.getNode());
    }

    private static final List<String> SNMP_GROUPS = List.of("Ip", "Icmp", "IcmpMsg", "Tcp", "Udp", "UdpLite");
}
