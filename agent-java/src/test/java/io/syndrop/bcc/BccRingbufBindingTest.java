package io.syndrop.bcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Pointer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * BCC's ring-buffer calls (bound in LibBcc though the backend uses the perf buffer, see
 * docs/bcc.md) exercised for real: a tracepoint program writes records with
 * ringbuf_output, and bpf_new_ringbuf / bpf_poll_ringbuf / bpf_consume_ringbuf /
 * bpf_free_ringbuf read them back. Needs a 5.8+ kernel, which this machine has.
 */
class BccRingbufBindingTest {
    private static final String PROGRAM = """
            BPF_RINGBUF_OUTPUT(events, 8);
            int on_exec(void *ctx)
            {
                struct syndrop_event e = {};

                e.sport = 4343;
                e.ifindex = bpf_get_current_pid_tgid() >> 32;
                events.ringbuf_output(&e, sizeof(e), 0);
                return 0;
            }
            """;

    @Test
    void ringBufferCallsDeliverRecords() throws Exception {
        Path kpath = KernelHeadersFixture.debian61();
        LibBcc lib = LibBcc.load();
        String text = BccProgram.resource(BccProgram.HEADER_RESOURCE) + PROGRAM;
        List<Long> pids = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        LibBcc.RingbufCallback cb = (ctx, data, size) -> {
            sizes.add(size);
            if ((data.getShort(48) & 0xffff) == 4343) {
                pids.add(Integer.toUnsignedLong(data.getInt(92)));
            }
            return 0;
        };
        try (TracefsMount ignored = TracefsMount.ensure();
             BccModule m = KernelHeadersFixture.withKernelSource(kpath, () -> BccModule.compile(lib, text, List.of()))) {
            int prog = m.load("on_exec", LibBcc.BPF_PROG_TYPE_TRACEPOINT);
            Pointer rb = lib.bpf_new_ringbuf(m.tableFd("events"), cb, Pointer.NULL);
            assertNotNull(rb, "bpf_new_ringbuf failed");
            int perfFd = lib.bpf_attach_tracepoint(prog, "sched", "sched_process_exec");
            assertTrue(perfFd >= 0, "attach sched:sched_process_exec");
            try {
                Process p = new ProcessBuilder("/bin/true").start();
                p.waitFor();
                assertTrue(lib.bpf_poll_ringbuf(rb, 2000) >= 0);
                Process q = new ProcessBuilder("/bin/true").start();
                q.waitFor();
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (!pids.contains(q.pid()) && System.nanoTime() < deadline) {
                    assertTrue(lib.bpf_consume_ringbuf(rb) >= 0);
                    Thread.sleep(20);
                }
                assertTrue(pids.contains(p.pid()), "poll delivered the first exec: " + pids);
                assertTrue(pids.contains(q.pid()), "consume delivered the second exec: " + pids);
                assertTrue(sizes.stream().allMatch(s -> s == BccBackend.EVENT_SIZE), "record sizes " + sizes);
            } finally {
                lib.bpf_close_perf_event_fd(perfFd);
                lib.bpf_detach_tracepoint("sched", "sched_process_exec");
                lib.bpf_free_ringbuf(rb);
            }
        }
        assertEquals(BccBackend.EVENT_SIZE, sizes.get(0));
    }
}
