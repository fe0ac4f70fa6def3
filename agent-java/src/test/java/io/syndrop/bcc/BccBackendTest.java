package io.syndrop.bcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * BccBackend.open end to end on whatever this machine is. On this machine kind (6.18, no
 * headers for it, no kprobes) both failures must be the clear ones; on a machine with headers
 * and kprobes the backend must start, drain nothing harmful and close.
 */
class BccBackendTest {

    @Test
    void openWithTheRunningKernelsHeadersFailsClearlyOrStarts() throws Exception {
        BccAvailability a = BccBackend.availability();
        if (!a.available()) {
            BccException e = assertThrows(BccException.class, () -> BccBackend.open(BccBackend.Options.defaults()));
            assertTrue(e.fix().contains("linux-headers-" + KernelInfo.release()), e.getMessage());
        } else {
            openDrainClose();
        }
    }

    /** With 6.1's headers the program compiles and loads here; attaching then decides. */
    @Test
    void openCompilesLoadsThenAttachesOrIsRefusedWithoutLeaks() throws Exception {
        Path kpath = KernelHeadersFixture.debian61();
        boolean kprobes = Files.exists(Path.of("/sys/bus/event_source/devices/kprobe"));
        try (TracefsMount ignored = TracefsMount.ensure()) {
            // The JVM closes fds of its own at any time (the channel closed here stands in for
            // them): only the BPF and perf fds are what the backend opens, so only they count.
            FileChannel unrelated = FileChannel.open(Path.of("/proc/self/status"));
            Map<String, Integer> fdsBefore = BpfAndPerfFds.count();
            unrelated.close();
            if (kprobes) {
                KernelHeadersFixture.withKernelSource(kpath, () -> {
                    openDrainClose();
                    return null;
                });
            } else {
                BccException e = assertThrows(BccException.class, () -> KernelHeadersFixture.withKernelSource(kpath,
                        () -> BccBackend.open(BccBackend.Options.defaults())));
                assertTrue(e.getMessage().contains("refused a kprobe on tcp_conn_request"), e.getMessage());
            }
            // Program, map and perf fds are all released on failure and on close.
            assertEquals(fdsBefore, BpfAndPerfFds.count(), "BPF or perf fds leaked by BccBackend.open/close");
            assertTrue(LibBcc.load().bpf_detach_kprobe("syndrop_p_no_such_event_" + ProcessHandle.current().pid()) < 0,
                    "detaching an event that does not exist must fail, not crash");
        }
    }

    private static void openDrainClose() throws BccException {
        try (BccBackend b = BccBackend.open(BccBackend.Options.defaults())) {
            assertFalse(b.attached().isEmpty());
            ByteBuffer buf = ByteBuffer.allocate(4 * BccBackend.EVENT_SIZE);
            int n = b.drain(buf, 4, 0);
            assertEquals(n * BccBackend.EVENT_SIZE, buf.position());
            assertEquals(BccBackend.SLOT_MAX, b.lostPerSlot().length);
        }
    }
}
