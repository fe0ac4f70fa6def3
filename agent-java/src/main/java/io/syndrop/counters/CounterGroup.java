package io.syndrop.counters;

import java.util.List;

/**
 * One group of a /proc/net/netstat or /proc/net/snmp file ("TcpExt", "Ip", ...): its column names
 * in kernel order and the values as the kernel printed them. Values are kept as text so that a
 * written snapshot is byte-for-byte what the kernel printed (Tcp MaxConn is signed, the rest are
 * unsigned 64-bit and may exceed Long.MAX_VALUE).
 */
public record CounterGroup(String name, List<String> columns, List<String> rawValues) {
    public CounterGroup {
        columns = List.copyOf(columns);
        rawValues = List.copyOf(rawValues);
        if (columns.size() != rawValues.size()) {
            throw new IllegalArgumentException(name + ": " + columns.size() + " columns but " + rawValues.size() + " values");
        }
    }

    /** The value as a Java long; unsigned values above Long.MAX_VALUE wrap, which keeps deltas right. */
    public long value(int i) {
        return parseValue(rawValues.get(i));
    }

    static long parseValue(String raw) {
        return raw.startsWith("-") ? Long.parseLong(raw) : Long.parseUnsignedLong(raw);
    }
}
