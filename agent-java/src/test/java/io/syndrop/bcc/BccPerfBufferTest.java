package io.syndrop.bcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The load, attach and event path end to end on this machine, where tracepoints work but
 * kprobes do not: a BCC tracepoint program on sched:sched_process_exec emits one struct
 * syndrop_event per exec through the same perf buffer reader BccBackend uses, and drain()
 * must return the records of processes this test started, in batches.
 */
class BccPerfBufferTest {
    private static final String PROGRAM = """
            BPF_PERF_OUTPUT(events);
            int on_exec(void *ctx)
            {
                struct syndrop_event e = {};

                e.ktime_ns = bpf_ktime_get_ns();
                e.reason = SYNDROP_CONN_REQUEST_OTHER;
                e.probe = SYNDROP_PROBE_BCC;
                e.sport = 4242;
                e.ifindex = bpf_get_current_pid_tgid() >> 32;
                events.perf_submit(ctx, &e, sizeof(e));
                return 0;
            }
            """;

    @Test
    void tracepointProgramDeliversRecordsThroughDrain() throws Exception {
        Path kpath = KernelHeadersFixture.debian61();
        LibBcc lib = LibBcc.load();
        String text = BccProgram.resource(BccProgram.HEADER_RESOURCE) + PROGRAM;
        try (TracefsMount ignored = TracefsMount.ensure();
             BccModule m = KernelHeadersFixture.withKernelSource(kpath, () -> BccModule.compile(lib, text, List.of()))) {
            int prog = m.load("on_exec", LibBcc.BPF_PROG_TYPE_TRACEPOINT);
            int perfFd = lib.bpf_attach_tracepoint(prog, "sched", "sched_process_exec");
            assertTrue(perfFd >= 0, "bpf_attach_tracepoint(sched:sched_process_exec) failed, errno "
                    + com.sun.jna.Native.getLastError());
            try (PerfEventReader reader = new PerfEventReader(lib, m.tableFd("events"), BccBackend.EVENT_SIZE, 8, 1024)) {
                Set<Long> started = new HashSet<>();
                for (int i = 0; i < 5; i++) {
                    Process p = new ProcessBuilder("/bin/true").start();
                    started.add(p.pid());
                    p.waitFor();
                }
                Set<Long> seen = new HashSet<>();
                ByteBuffer buf = ByteBuffer.allocate(2 * BccBackend.EVENT_SIZE).order(ByteOrder.nativeOrder());
                long deadline = System.nanoTime() + 10_000_000_000L;
                int batches = 0;
                while (!seen.containsAll(started) && System.nanoTime() < deadline) {
                    buf.clear();
                    int n = reader.drain(buf, 2, 200);
                    assertTrue(n <= 2, "drain returned more than asked: " + n);
                    assertEquals(n * BccBackend.EVENT_SIZE, buf.position());
                    for (int i = 0; i < n; i++) {
                        int base = i * BccBackend.EVENT_SIZE;
                        if ((buf.getShort(base + 48) & 0xffff) != 4242) {
                            continue;
                        }
                        assertEquals(SyndropConstants.REASON_CONN_REQUEST_OTHER, buf.get(base + 52));
                        assertEquals(SyndropConstants.PROBE_BCC, buf.get(base + 53));
                        assertTrue(buf.getLong(base) > 0, "ktime_ns set");
                        seen.add(Integer.toUnsignedLong(buf.getInt(base + 92)));
                    }
                    batches++;
                }
                assertTrue(seen.containsAll(started), "exec events of " + started + " not all seen: " + seen);
                assertTrue(batches >= 3, "5+ records drained 2 at a time need 3+ calls, took " + batches);
                assertEquals(0, reader.shortRecords());
            } finally {
                lib.bpf_close_perf_event_fd(perfFd);
                lib.bpf_detach_tracepoint("sched", "sched_process_exec");
            }
        }
    }
}
