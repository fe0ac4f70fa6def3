package io.syndrop.event;

import io.syndrop.bcc.BccBackend;
import io.syndrop.probe.ProbeSession;
import io.syndrop.proto.v1.Probe;
import io.syndrop.proto.v1.Reason;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reason, probe, loss-slot and flag numbers of bpf/syndrop.h, read from the header itself, against
 * the .proto enums and what Java does with them (the decoder, the loss-slot names, the flag masks), so
 * that renumbering any one side fails here instead of mislabelling events.
 */
class HeaderEnumsTest {
    private static final String HEADER = readHeader();

    private static String readHeader() {
        try {
            return Files.readString(Path.of(System.getProperty("syndrop.top", ".."), "bpf", "syndrop.h"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("bpf/syndrop.h not found: run from agent-java/ or set -Dsyndrop.top", e);
        }
    }

    /** NAME -> value of `enum name { NAME = value, ... }`; every member must carry an explicit value. */
    static Map<String, Integer> enumMembers(String header, String enumName) {
        Matcher body = Pattern.compile("enum\\s+" + enumName + "\\s*\\{([^}]*)\\}").matcher(header);
        assertTrue(body.find(), "bpf/syndrop.h has no enum " + enumName);
        String text = body.group(1).replaceAll("/\\*.*?\\*/", "");
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String member : text.split(",")) {
            String m = member.trim();
            if (m.isEmpty()) {
                continue;
            }
            Matcher kv = Pattern.compile("(\\w+)\\s*=\\s*(0x[0-9a-fA-F]+|\\d+)").matcher(m);
            assertTrue(kv.matches(), "enum " + enumName + " member without an explicit number: " + m);
            out.put(kv.group(1), Integer.decode(kv.group(2)));
        }
        assertFalse(out.isEmpty(), "enum " + enumName + " is empty");
        return out;
    }

    /** NAME -> value of every `#define PREFIXNAME value`. */
    static Map<String, Integer> defines(String header, String prefix) {
        Matcher m = Pattern.compile("(?m)^#define\\s+" + prefix + "(\\w+)\\s+(0x[0-9a-fA-F]+|\\d+)\\b").matcher(header);
        Map<String, Integer> out = new LinkedHashMap<>();
        while (m.find()) {
            out.put(m.group(1), Integer.decode(m.group(2)));
        }
        return out;
    }

    private static Set<String> protoNames(Enum<?>[] values) {
        return Arrays.stream(values).map(Enum::name).collect(Collectors.toSet());
    }

    private static ByteBuffer recordWith(int reason, int probe) {
        ByteBuffer b = ByteBuffer.allocate(EventLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(EventLayout.REASON, (byte) reason).put(EventLayout.PROBE, (byte) probe);
        return b;
    }

    private static EventDecoder decoder() {
        return new EventDecoder("n", "a", 1, v -> null);
    }

    @Test
    void reasonsMatchTheProtoAndTheDecoder() {
        Map<String, Integer> header = enumMembers(HEADER, "syndrop_reason");
        Set<String> named = new TreeSet<>();
        for (Map.Entry<String, Integer> m : header.entrySet()) {
            assertTrue(m.getKey().startsWith("SYNDROP_"), m.getKey());
            String name = m.getKey().substring("SYNDROP_".length());
            assertTrue(protoNames(Reason.values()).contains(name), m.getKey() + " has no proto Reason " + name);
            assertEquals(Reason.valueOf(name).getNumber(), m.getValue(), "proto number of " + name);
            assertEquals(name, decoder().decode(recordWith(m.getValue(), 0), 0, 1).getReason().name(),
                    "the decoder's reading of reason byte " + m.getValue());
            named.add(name);
        }
        Set<String> proto = Arrays.stream(Reason.values()).filter(r -> r != Reason.UNRECOGNIZED).map(Enum::name)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(proto, named, "every proto Reason has its number in bpf/syndrop.h and no other");
    }

    @Test
    void probesMatchTheProtoAndTheDecoder() {
        Map<String, Integer> header = enumMembers(HEADER, "syndrop_probe");
        Set<String> named = new TreeSet<>();
        for (Map.Entry<String, Integer> m : header.entrySet()) {
            assertTrue(m.getKey().startsWith("SYNDROP_PROBE_"), m.getKey());
            String name = m.getKey().substring("SYNDROP_PROBE_".length());
            assertTrue(protoNames(Probe.values()).contains(name), m.getKey() + " has no proto Probe " + name);
            assertEquals(Probe.valueOf(name).getNumber(), m.getValue(), "proto number of " + name);
            assertEquals(name, decoder().decode(recordWith(0, m.getValue()), 0, 1).getProbe().name(),
                    "the decoder's reading of probe byte " + m.getValue());
            named.add(name);
        }
        // COUNTERS marks records made in user space from /proc counters: no kernel program emits it.
        Set<String> proto = Arrays.stream(Probe.values())
                .filter(p -> p != Probe.UNRECOGNIZED && p != Probe.PROBE_UNSPECIFIED && p != Probe.COUNTERS)
                .map(Enum::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(proto, named, "every kernel-side proto Probe has its number in bpf/syndrop.h");
    }

    @Test
    void lossSlotsMatchTheirJavaNames() {
        Map<String, Integer> header = enumMembers(HEADER, "syndrop_prog_slot");
        Integer max = header.remove("SYNDROP_SLOT_MAX");
        assertTrue(max != null, "enum syndrop_prog_slot has SYNDROP_SLOT_MAX");
        assertEquals(max, BccBackend.SLOT_MAX, "BccBackend.SLOT_MAX");
        assertEquals(header.size(), ProbeSession.SLOT_NAMES.size(), "one Java name per slot: " + header.keySet());
        for (Map.Entry<String, Integer> m : header.entrySet()) {
            int slot = m.getValue();
            assertTrue(slot >= 0 && slot < header.size(), m.getKey() + " = " + slot + " leaves a gap or passes "
                    + ProbeSession.SLOT_NAMES.size() + " names");
            String program = m.getKey().substring("SYNDROP_SLOT_".length()).toLowerCase(Locale.ROOT);
            assertTrue(ProbeSession.SLOT_NAMES.get(slot).endsWith(" at " + program),
                    "slot " + slot + " is " + m.getKey() + ", Java calls it \"" + ProbeSession.SLOT_NAMES.get(slot) + "\"");
        }
        assertTrue(header.size() <= max, "fewer slots than SYNDROP_SLOT_MAX");
    }

    @Test
    void flagsMatchEventLayout() throws Exception {
        Map<String, Integer> header = defines(HEADER, "SYNDROP_F_");
        assertFalse(header.isEmpty(), "no #define SYNDROP_F_* in bpf/syndrop.h");
        for (Map.Entry<String, Integer> m : header.entrySet()) {
            assertEquals(m.getValue().intValue(), EventLayout.class.getField("F_" + m.getKey()).getInt(null),
                    "EventLayout.F_" + m.getKey());
        }
        Set<String> java = new TreeSet<>();
        for (Field f : EventLayout.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getName().startsWith("F_")) {
                java.add(f.getName().substring(2));
            }
        }
        assertEquals(new TreeSet<>(header.keySet()), java, "every EventLayout flag is defined in bpf/syndrop.h");
    }

    @Test
    void theParserReadsWhatItIsGiven() {
        String sample = "enum syndrop_x {\n\tSYNDROP_A = 0, /* why */\n\tSYNDROP_B = 0x10,\n};\n#define SYNDROP_F_Q 0x4  /* q */\n";
        assertEquals(Map.of("SYNDROP_A", 0, "SYNDROP_B", 16), enumMembers(sample, "syndrop_x"));
        assertEquals(Map.of("Q", 4), defines(sample, "SYNDROP_F_"));
    }
}
