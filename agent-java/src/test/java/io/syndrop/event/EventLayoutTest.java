package io.syndrop.event;

import com.sun.jna.Native;
import io.syndrop.probe.NativeBundle;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Java's view of struct syndrop_event against the compiled shim (offsetof in C) and against the
 * offset comments of bpf/syndrop.h, so BPF, shim and Java cannot drift apart silently.
 */
class EventLayoutTest {
    interface Layout extends com.sun.jna.Library {
        int syndrop_event_size();

        int syndrop_layout_version();

        int syndrop_field_offset(String field);
    }

    private static Layout shim() {
        NativeBundle.get(); // unpacks the library from the classpath as the agent does
        Path so = NativeBundle.get().library();
        return Native.load(so.toString(), Layout.class);
    }

    @Test
    void everyJavaOffsetMatchesTheCompiledStruct() throws Exception {
        Layout shim = shim();
        assertEquals(EventLayout.SIZE, shim.syndrop_event_size(), "struct size");
        assertEquals(EventLayout.VERSION, shim.syndrop_layout_version(), "layout version");
        int checked = 0;
        for (Field f : EventLayout.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || f.getName().equals("SIZE") || f.getName().equals("VERSION")
                    || f.getName().equals("PKT_MAX") || f.getName().startsWith("F_") || f.getName().startsWith("OPT_")) {
                continue;
            }
            String cName = f.getName().toLowerCase(Locale.ROOT);
            int offset = shim.syndrop_field_offset(cName);
            assertTrue(offset >= 0, "the C struct has no field " + cName);
            assertEquals(offset, f.getInt(null), "offset of " + cName);
            checked++;
        }
        assertEquals(38, checked, "every field of struct syndrop_event is mirrored in EventLayout");
        assertEquals(-1, shim.syndrop_field_offset("no_such_field"));
    }

    @Test
    void headerCommentsAgreeWithJava() throws Exception {
        Path header = Path.of(System.getProperty("syndrop.top", ".."), "bpf", "syndrop.h");
        String all = Files.readString(header);
        int start = all.indexOf("struct syndrop_event {");
        String text = all.substring(start, all.indexOf("};", start));
        Matcher m = Pattern.compile("\\s(\\w+)(\\[\\w+\\])?;\\s+/\\*\\s+(\\d+) ").matcher(text);
        int seen = 0;
        while (m.find()) {
            String name = m.group(1).toUpperCase(Locale.ROOT);
            int documented = Integer.parseInt(m.group(3));
            assertEquals(documented, EventLayout.class.getField(name).getInt(null), "syndrop.h comment for " + name);
            seen++;
        }
        assertTrue(seen >= 20, "found the offset comments in syndrop.h (" + seen + ")");
    }
}
