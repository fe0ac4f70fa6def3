package io.syndrop.counters;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The kernel's counters of one network namespace at one moment: /proc/net/netstat, /proc/net/snmp
 * and the relevant sysctls. {@code time} is empty for a recorded snapshot without a time file.
 */
public final class CounterSnapshot {
    private final Optional<Instant> time;
    private final CounterTable netstat;
    private final CounterTable snmp;
    private final Sysctls sysctls;
    private final long netnsIno;
    private final String origin;
    private final Map<String, Long> counters;

    public CounterSnapshot(Optional<Instant> time, CounterTable netstat, CounterTable snmp, Sysctls sysctls,
                           long netnsIno, String origin) {
        this.time = time;
        this.netstat = netstat;
        this.snmp = snmp;
        this.sysctls = sysctls;
        this.netnsIno = netnsIno;
        this.origin = origin;
        Map<String, Long> m = new LinkedHashMap<>(netstat.flatten());
        m.putAll(snmp.flatten());
        this.counters = Collections.unmodifiableMap(m);
    }

    public Optional<Instant> time() {
        return time;
    }

    public CounterTable netstat() {
        return netstat;
    }

    public CounterTable snmp() {
        return snmp;
    }

    public Sysctls sysctls() {
        return sysctls;
    }

    /** Inode of the network namespace, 0 when unknown (recorded snapshots). */
    public long netnsIno() {
        return netnsIno;
    }

    /** Where the sample came from: "host", "netns web1", a snapshot folder... */
    public String origin() {
        return origin;
    }

    /** "TcpExt:ListenDrops" -> value, netstat first then snmp, in kernel order. */
    public Map<String, Long> counters() {
        return counters;
    }

    public OptionalLong get(String key) {
        Long v = counters.get(key);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    public CounterSnapshot withSysctls(Sysctls s) {
        return new CounterSnapshot(time, netstat, snmp, s, netnsIno, origin);
    }
}
