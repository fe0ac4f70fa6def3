package io.syndrop.bcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The census BccBackendTest's leak check relies on, against real kernel objects (needs root). */
class BpfAndPerfFdsTest {
    private interface Sys extends Library {
        Sys INSTANCE = Native.load("c", Sys.class);

        long syscall(long number, Object... args);

        int close(int fd);
    }

    private static final long SYS_PERF_EVENT_OPEN_X86_64 = 298;
    private static final long SYS_BPF_X86_64 = 321;

    @Test
    void unrelatedFilesAndSocketsDoNotCount() throws Exception {
        Map<String, Integer> before = BpfAndPerfFds.count();
        try (FileChannel f = FileChannel.open(Path.of("/proc/self/status"));
             ServerSocketChannel s = ServerSocketChannel.open()) {
            assertEquals(before, BpfAndPerfFds.count());
        }
        assertEquals(before, BpfAndPerfFds.count());
    }

    @Test
    void aBpfMapAndAPerfEventCountUntilClosed() throws Exception {
        Map<String, Integer> before = BpfAndPerfFds.count();
        int map = createArrayMap();
        int perf = openDummyPerfEvent();
        try {
            Map<String, Integer> expected = new TreeMap<>(before);
            expected.merge("bpf-map", 1, Integer::sum);
            expected.merge("[perf_event]", 1, Integer::sum);
            assertEquals(expected, BpfAndPerfFds.count(), "a leaked map and perf event must show");
        } finally {
            Sys.INSTANCE.close(map);
            Sys.INSTANCE.close(perf);
        }
        assertEquals(before, BpfAndPerfFds.count());
    }

    /** bpf(BPF_MAP_CREATE) of a one-entry array: union bpf_attr starts map_type, key, value, entries. */
    private static int createArrayMap() {
        Memory attr = new Memory(128);
        attr.clear();
        attr.setInt(0, 2);   // BPF_MAP_TYPE_ARRAY
        attr.setInt(4, 4);   // key_size
        attr.setInt(8, 4);   // value_size
        attr.setInt(12, 1);  // max_entries
        int fd = (int) Sys.INSTANCE.syscall(SYS_BPF_X86_64, 0 /* BPF_MAP_CREATE */, attr, 128);
        assertTrue(fd >= 0, "bpf(BPF_MAP_CREATE) failed, errno " + Native.getLastError() + " (needs root)");
        return fd;
    }

    /** perf_event_open of a software dummy event on this thread, any CPU. */
    private static int openDummyPerfEvent() {
        Memory attr = new Memory(128);
        attr.clear();
        attr.setInt(0, 1);     // type PERF_TYPE_SOFTWARE
        attr.setInt(4, 128);   // size of this perf_event_attr (PERF_ATTR_SIZE_VER7)
        attr.setLong(8, 9);    // config PERF_COUNT_SW_DUMMY
        int fd = (int) Sys.INSTANCE.syscall(SYS_PERF_EVENT_OPEN_X86_64, attr, 0, -1, -1, 0L);
        assertTrue(fd >= 0, "perf_event_open(PERF_COUNT_SW_DUMMY) failed, errno " + Native.getLastError());
        return fd;
    }
}
