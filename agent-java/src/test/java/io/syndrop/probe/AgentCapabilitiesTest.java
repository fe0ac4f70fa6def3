package io.syndrop.probe;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which capabilities the start-up check asks for, by kernel and by what the command will read. */
class AgentCapabilitiesTest {
    private static final long BPF = 1L << 39;
    private static final long PERFMON = 1L << 38;
    private static final long SYS_PTRACE = 1L << 19;
    private static final long SYS_ADMIN = 1L << 21;
    private static final long DAC_READ_SEARCH = 1L << 2;

    @Test
    void onFiveEightAndLaterBpfAndPerfmonAndPtraceOnlyForOtherProcesses() {
        assertEquals(List.of("CAP_BPF", "CAP_PERFMON", "CAP_SYS_PTRACE"), AgentCapabilities.missing(0, "6.18.44-fc", true));
        assertEquals(List.of("CAP_BPF", "CAP_PERFMON"), AgentCapabilities.missing(0, "5.8.0", false));
        assertEquals(List.of(), AgentCapabilities.missing(BPF | PERFMON | SYS_PTRACE, "6.1.0-18-amd64", true));
        assertEquals(List.of("CAP_PERFMON"), AgentCapabilities.missing(BPF | SYS_PTRACE, "6.1.0-18-amd64", true));
        // CAP_SYS_ADMIN does not stand in for CAP_PERFMON's perf_event checks in this check's eyes:
        // the documented set is what is granted, so that is what is asked for.
        assertEquals(List.of("CAP_BPF", "CAP_PERFMON"), AgentCapabilities.missing(SYS_ADMIN, "6.1.0", false));
    }

    @Test
    void beforeFiveEightOnlySysAdminLoadsBpf() {
        assertEquals(List.of("CAP_SYS_ADMIN", "CAP_SYS_PTRACE"), AgentCapabilities.missing(BPF | PERFMON, "5.4.0-150-generic", true));
        assertEquals(List.of(), AgentCapabilities.missing(SYS_ADMIN, "4.9.337", false));
        assertEquals(List.of("CAP_SYS_ADMIN"), AgentCapabilities.missing(0, "not-a-release", false));
    }

    @Test
    void theListIsTheDocumentedOne() {
        assertEquals(List.of("CAP_BPF", "CAP_PERFMON", "CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH"),
                List.copyOf(AgentCapabilities.granted().keySet()));
        assertEquals(java.util.Set.of("CAP_DAC_READ_SEARCH"), AgentCapabilities.forIdentity());
    }

    @Test
    void identityCapabilitiesAreNeverRequiredOnlyWarnedAbout() {
        // The start check refuses without the required ones only: the whole required set is enough.
        assertEquals(List.of(), AgentCapabilities.missing(BPF | PERFMON | SYS_PTRACE, "6.1.0", true));
        assertEquals(List.of("CAP_DAC_READ_SEARCH"), AgentCapabilities.missingForIdentity(BPF | PERFMON | SYS_PTRACE));
        assertEquals(List.of(), AgentCapabilities.missingForIdentity(SYS_PTRACE | DAC_READ_SEARCH));
        // Naming reads each /proc/PID/fd link through ptrace_may_access: CAP_SYS_PTRACE too, even where
        // the start check did not ask for it (agent without --netns).
        assertEquals(List.of("CAP_SYS_PTRACE"), AgentCapabilities.missingForIdentity(BPF | PERFMON | DAC_READ_SEARCH));
        String w = AgentCapabilities.identityWarning("watch", List.of("CAP_DAC_READ_SEARCH"));
        assertTrue(w.startsWith("syndrop watch: warning: missing capability CAP_DAC_READ_SEARCH: "), w);
        assertTrue(w.contains("drops still flow") && w.contains("--ambient-caps=+dac_read_search"), w);
        assertTrue(w.lines().count() == 1, "one line: " + w);
        assertEquals(null, AgentCapabilities.identityWarning("agent", List.of()));
    }
}
