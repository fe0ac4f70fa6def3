package io.syndrop.bcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The JNA binding against the real libbcc on this machine. Compiles use Debian's 6.1 headers
 * (KernelHeadersFixture) because the running kernel's are not installed here; BPF programs
 * compiled for 6.1 still load on newer kernels (kern_version is no longer checked).
 */
class BccBindingTest {
    private static final List<String> PROGRAMS = List.of("conn_request_entry", "af_conn_request_entry",
            "conn_request_return", "peer_is_proven_entry", "peer_is_proven_return", "timewait_entry",
            "syn_recv_sock_entry");

    @Test
    void libbccLoadsAndAvailabilityMatchesTheFilesystem() {
        assertNotNull(LibBcc.load(), "libbcc.so.0 must load (package libbpfcc)");
        BccAvailability a = BccBackend.availability();
        assertTrue(a.libbcc(), a.describe());
        String release = KernelInfo.release();
        boolean headers = Files.isRegularFile(Path.of("/lib/modules", release, "build/include/linux/kconfig.h"))
                || Files.isRegularFile(Path.of("/lib/modules", release, "source/include/linux/kconfig.h"))
                || Files.isRegularFile(Path.of("/sys/kernel/kheaders.tar.xz"))
                || System.getenv("BCC_KERNEL_SOURCE") != null;
        assertEquals(headers, a.available(), a.describe());
        if (!headers) {
            assertTrue(a.describe().contains("linux-headers-" + release), a.describe());
        }
    }

    @Test
    void syntaxErrorComesBackAsBccsMessage() throws Exception {
        Path kpath = KernelHeadersFixture.debian61();
        LibBcc lib = LibBcc.load();
        BccException e = assertThrows(BccException.class, () -> KernelHeadersFixture.withKernelSource(kpath,
                () -> BccModule.compile(lib, "int broken(void *ctx) { return 0 }\n", List.of())));
        System.err.println("syntax error report:\n" + e.getMessage());
        assertTrue(e.getMessage().contains("failed to compile"), e.getMessage());
        // clang's own diagnostic, with the line, reaches the user.
        assertTrue(e.getMessage().contains("expected ';'"), e.getMessage());
        assertTrue(e.getMessage().contains("main.c:1"), e.getMessage());
    }

    @Test
    void missingHeadersErrorSaysWhatToInstall() throws Exception {
        Path empty = Files.createTempDirectory("syndrop-noheaders-");
        try {
            LibBcc lib = LibBcc.load();
            BccException e = assertThrows(BccException.class, () -> KernelHeadersFixture.withKernelSource(empty,
                    () -> BccModule.compile(lib, BccProgram.text(), BccProgram.cflags(BccProgram.Settings.defaults()))));
            System.err.println("missing headers report:\n" + e.getMessage());
            assertTrue(e.getMessage().contains("Unable to find kernel headers"), e.getMessage());
            assertTrue(e.fix().contains("linux-headers-" + KernelInfo.release()), e.fix());
        } finally {
            Files.delete(empty);
        }
    }

    @Test
    void realProgramCompilesAgainst61HeadersAndEveryProgramLoads() throws Exception {
        Path kpath = KernelHeadersFixture.debian61();
        LibBcc lib = LibBcc.load();
        try (BccModule m = KernelHeadersFixture.withKernelSource(kpath,
                () -> BccModule.compile(lib, BccProgram.text(), BccProgram.cflags(BccProgram.Settings.defaults())))) {
            assertFalse(m.compilerOutput().contains("warning"), m.compilerOutput());
            assertTrue(m.functionNames().containsAll(PROGRAMS), m.functionNames().toString());
            assertEquals("GPL", m.license());
            int kv = m.kernelVersion();
            assertEquals(6, kv >> 16, "kern_version from the 6.1 headers: " + Integer.toHexString(kv));
            assertEquals(1, (kv >> 8) & 0xff, "kern_version from the 6.1 headers: " + Integer.toHexString(kv));
            for (String p : PROGRAMS) {
                assertTrue(m.load(p, LibBcc.BPF_PROG_TYPE_KPROBE) >= 0, p);
            }
            assertTrue(m.tableFd("events") >= 0);
            int lost = m.tableFd("lost");
            assertTrue(lost >= 0);
            // bpf_update_elem / bpf_lookup_elem on the per-slot loss array (u32 key, u64 value).
            com.sun.jna.Memory key = new com.sun.jna.Memory(4);
            com.sun.jna.Memory value = new com.sun.jna.Memory(8);
            key.setInt(0, 3);
            value.setLong(0, 0x1_0000_0007L);
            assertEquals(0, lib.bpf_update_elem(lost, key, value, 0L));
            value.setLong(0, 0);
            assertEquals(0, lib.bpf_lookup_elem(lost, key, value));
            assertEquals(0x1_0000_0007L, value.getLong(0));
            key.setInt(0, BccBackend.SLOT_MAX);
            assertTrue(lib.bpf_lookup_elem(lost, key, value) < 0, "slot past the end must fail");
            assertThrows(BccException.class, () -> m.tableFd("no_such_map"));
            assertThrows(BccException.class, () -> m.load("no_such_function", LibBcc.BPF_PROG_TYPE_KPROBE));
        }
    }

    /**
     * The kernel matrix's other kernels (bullseye's 5.10, trixie's 6.12) compiled on the host
     * against their own pinned Debian headers, the same ones BCC in their VMs compiles against:
     * a header a kernel changed fails here in seconds, with clang's message, instead of at the
     * end of a VM boot. Each result passes this kernel's verifier too (no offsets are checked there).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"debian-5.10, 5, 10", "debian-6.12, 6, 12"})
    void realProgramCompilesAgainstEachPinnedKernelsHeaders(String pin, int major, int minor) throws Exception {
        Path kpath = KernelHeadersFixture.pinned(pin);
        LibBcc lib = LibBcc.load();
        try (BccModule m = KernelHeadersFixture.withKernelSource(kpath,
                () -> BccModule.compile(lib, BccProgram.text(), BccProgram.cflags(BccProgram.Settings.defaults())))) {
            // newer headers than bookworm's clang warn (e.g. 6.12's nocf_check); warnings only
            assertFalse(m.compilerOutput().contains("error:"), m.compilerOutput());
            assertTrue(m.functionNames().containsAll(PROGRAMS), m.functionNames().toString());
            int kv = m.kernelVersion();
            assertEquals(major, kv >> 16, "kern_version from " + kpath + ": " + Integer.toHexString(kv));
            assertEquals(minor, (kv >> 8) & 0xff, "kern_version from " + kpath + ": " + Integer.toHexString(kv));
            for (String p : PROGRAMS) {
                assertTrue(m.load(p, LibBcc.BPF_PROG_TYPE_KPROBE) >= 0, p);
            }
        }
    }

    /**
     * The workload filter's map in the BCC flavour: with SYNDROP_WORKLOAD_NETNS=1 every program
     * (now with the map lookup in its emit path) passes this kernel's verifier, and the map takes,
     * reads back and drops namespace inodes through libbcc's map calls (bpf_update_elem,
     * bpf_get_next_key, bpf_delete_elem) as BccNetnsMap makes them.
     */
    @Test
    void workloadNetnsMapLoadsWithTheProgramsAndUpdates() throws Exception {
        Path kpath = KernelHeadersFixture.debian61();
        LibBcc lib = LibBcc.load();
        BccProgram.Settings on = new BccProgram.Settings(0, 0, 0, 0, 0, true, BccProgram.Storm.OFF);
        assertTrue(BccProgram.cflags(on).contains("-DSYNDROP_WORKLOAD_NETNS=1"), BccProgram.cflags(on).toString());
        try (BccModule m = KernelHeadersFixture.withKernelSource(kpath,
                () -> BccModule.compile(lib, BccProgram.text(), BccProgram.cflags(on)))) {
            assertFalse(m.compilerOutput().contains("warning"), m.compilerOutput());
            for (String p : PROGRAMS) {
                assertTrue(m.load(p, LibBcc.BPF_PROG_TYPE_KPROBE) >= 0, p);
            }
            BccNetnsMap map = new BccNetnsMap(lib, m.tableFd(BccNetnsMap.TABLE));
            assertEquals(java.util.Set.of(), map.contents());
            map.allow(java.util.List.of(4026531840L, 4026532246L));
            assertEquals(java.util.Set.of(4026531840L, 4026532246L), map.contents());
            map.disallow(java.util.List.of(4026531840L, 1L));
            assertEquals(java.util.Set.of(4026532246L), map.contents());
            map.close();
            map.allow(java.util.List.of(7L));
            assertEquals(java.util.Set.of(), map.contents(), "closed: no call reaches the (soon reused) fd");
        }
    }

    /**
     * On this machine kind the kernel has no kprobes (CONFIG_KPROBES unset): the refusal must be
     * BCC's words plus the fix. Where kprobes exist, the same call must attach and detach.
     */
    @Test
    void kprobeAttachIsRefusedClearlyWithoutKprobesAndWorksWithThem() throws Exception {
        Path kpath = KernelHeadersFixture.debian61();
        LibBcc lib = LibBcc.load();
        boolean kprobes = Files.exists(Path.of("/sys/bus/event_source/devices/kprobe"));
        try (TracefsMount ignored = TracefsMount.ensure();
             BccModule m = KernelHeadersFixture.withKernelSource(kpath,
                     () -> BccModule.compile(lib, BccProgram.text(), BccProgram.cflags(BccProgram.Settings.defaults())))) {
            int fd = m.load("conn_request_entry", LibBcc.BPF_PROG_TYPE_KPROBE);
            if (kprobes) {
                try (KprobeAttachment a = KprobeAttachment.attach(lib, fd, BccBackend.CONN_REQUEST, false)) {
                    assertEquals(BccBackend.CONN_REQUEST, a.function());
                }
            } else {
                BccException e = assertThrows(BccException.class,
                        () -> KprobeAttachment.attach(lib, fd, BccBackend.CONN_REQUEST, false));
                System.err.println("kprobe refusal report:\n" + e.getMessage());
                assertTrue(e.getMessage().contains("refused a kprobe on tcp_conn_request"), e.getMessage());
                assertTrue(e.fix().contains("CONFIG_KPROBES"), e.fix());
                // BCC's own explanation is part of the message, not lost on stderr.
                assertTrue(e.getMessage().contains("kprobe"), e.getMessage());
            }
        }
    }

    @Test
    void attachPlanFollowsTheKernelsFunctions() {
        var modern = BccBackend.plan(Set.of("tcp_conn_request", "tcp_peer_is_proven"));
        assertTrue(modern.stream().anyMatch(p -> p.program().equals("conn_request_entry")
                && p.kernelFunction().equals("tcp_conn_request")));
        assertTrue(modern.stream().noneMatch(p -> p.program().equals("af_conn_request_entry")));
        var old = BccBackend.plan(Set.of("tcp_v4_conn_request", "tcp_v6_conn_request"));
        assertTrue(old.stream().anyMatch(p -> p.program().equals("af_conn_request_entry")
                && p.kernelFunction().equals("tcp_v4_conn_request")));
        assertEquals(List.of("tcp_peer_is_proven", "tcp_timewait_state_process", "tcp_v4_syn_recv_sock"),
                BccBackend.missingRequired(Set.of("tcp_conn_request")));
    }
}
