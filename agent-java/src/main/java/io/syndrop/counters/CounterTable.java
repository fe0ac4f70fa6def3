package io.syndrop.counters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The content of one /proc/net/netstat or /proc/net/snmp file: groups of a header line
 * ("TcpExt: SyncookiesSent ...") followed by a value line ("TcpExt: 0 ..."). Any set of groups and
 * columns is accepted, so counters of kernels syndrop has never seen survive a parse and a write.
 */
public final class CounterTable {
    private final String source;
    private final List<CounterGroup> groups;

    public CounterTable(String source, List<CounterGroup> groups) {
        this.source = source;
        this.groups = List.copyOf(groups);
    }

    public static CounterTable parse(String text, String source) throws MalformedCountersException {
        String[] lines = text.split("\n", -1);
        int n = lines.length;
        // A trailing newline leaves one empty element; a file may also lack it.
        while (n > 0 && lines[n - 1].isBlank()) {
            n--;
        }
        if (n == 0) {
            throw new MalformedCountersException(source, 0, "the file is empty (expected header and value lines such as 'TcpExt: ...')");
        }
        List<CounterGroup> groups = new ArrayList<>();
        int i = 0;
        while (i < n) {
            String header = lines[i];
            int headerNo = i + 1;
            if (header.isBlank()) {
                throw new MalformedCountersException(source, headerNo, "blank line where a header line was expected");
            }
            String[] names = fields(header);
            String group = groupName(names[0], source, headerNo);
            if (i + 1 >= n) {
                throw new MalformedCountersException(source, headerNo,
                        "header of group '" + group + "' has no value line after it (is the file truncated?)");
            }
            String valueLine = lines[i + 1];
            int valueNo = i + 2;
            String[] values = fields(valueLine);
            String valueGroup = values.length == 0 || values[0].isEmpty() ? "" : values[0];
            if (!valueGroup.equals(group + ":")) {
                throw new MalformedCountersException(source, valueNo, "expected the values of group '" + group
                        + "' but the line starts with '" + abbreviate(valueGroup) + "' (lines out of order or truncated?)");
            }
            int nNames = names.length - 1;
            int nValues = values.length - 1;
            if (nNames != nValues) {
                throw new MalformedCountersException(source, valueNo, "group '" + group + "' has " + nNames
                        + " names on line " + headerNo + " but " + nValues + " values (is the line truncated?)");
            }
            List<String> cols = new ArrayList<>(nNames);
            List<String> vals = new ArrayList<>(nNames);
            for (int k = 1; k <= nNames; k++) {
                String v = values[k];
                if (!isNumber(v)) {
                    throw new MalformedCountersException(source, valueNo,
                            "value of " + group + ":" + names[k] + " is '" + abbreviate(v) + "', not a number");
                }
                cols.add(names[k]);
                vals.add(v);
            }
            groups.add(new CounterGroup(group, cols, vals));
            i += 2;
        }
        return new CounterTable(source, groups);
    }

    private static String[] fields(String line) {
        return line.trim().split("\\s+");
    }

    private static String groupName(String first, String source, int lineNo) throws MalformedCountersException {
        if (!first.endsWith(":") || first.length() < 2) {
            throw new MalformedCountersException(source, lineNo,
                    "expected a group header such as 'TcpExt: ...', got '" + abbreviate(first) + "'");
        }
        return first.substring(0, first.length() - 1);
    }

    private static boolean isNumber(String v) {
        int start = v.startsWith("-") ? 1 : 0;
        if (v.length() == start || v.length() - start > 20) {
            return false;
        }
        for (int k = start; k < v.length(); k++) {
            if (v.charAt(k) < '0' || v.charAt(k) > '9') {
                return false;
            }
        }
        try {
            CounterGroup.parseValue(v);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    public String source() {
        return source;
    }

    public List<CounterGroup> groups() {
        return groups;
    }

    /** "Group:Name" -> value, in file order. A group printed twice (old IcmpMsg) merges. */
    public Map<String, Long> flatten() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (CounterGroup g : groups) {
            for (int k = 0; k < g.columns().size(); k++) {
                m.put(g.name() + ":" + g.columns().get(k), g.value(k));
            }
        }
        return m;
    }

    /** The file as the kernel prints it: one header and one value line per group, single spaces. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        for (CounterGroup g : groups) {
            sb.append(g.name()).append(':');
            g.columns().forEach(c -> sb.append(' ').append(c));
            sb.append('\n').append(g.name()).append(':');
            g.rawValues().forEach(v -> sb.append(' ').append(v));
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CounterTable t && t.groups.equals(groups);
    }

    @Override
    public int hashCode() {
        return groups.hashCode();
    }
}
