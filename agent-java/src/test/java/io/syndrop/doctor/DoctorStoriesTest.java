package io.syndrop.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.counters.CounterDelta;
import io.syndrop.counters.Fixtures;
import io.syndrop.counters.SnapshotDir;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each finding from its fixture story (counters only), and never from a healthy one. */
class DoctorStoriesTest {
    static final Map<String, String> EXPECTED = Map.of(
            "tw-recycle-3.16", TwRecycleRule.ID,
            "tw-recycle-latent-4.9", TwRecycleRule.LATENT_ID,
            "syn-queue-4.9", SynQueueRule.ID,
            "accept-overflow-5.10", AcceptQueueRule.ID,
            "timewait-paws-6.1", TimewaitPawsRule.ID,
            "timewait-paws-6.18", TimewaitPawsRule.ID,
            "syn-cookies-6.1", SynCookiesRule.ID,
            "syn-cookies-forced-6.1", SynCookiesRule.FORCED_ID);

    @Test
    void everyProblemStoryGivesItsFindingAndOnlyIt() throws Exception {
        for (var e : EXPECTED.entrySet()) {
            Diagnosis d = Stories.diagnose(e.getKey(), List.of());
            List<String> ids = d.findings().stream().map(Finding::id).toList();
            assertEquals(List.of(e.getValue()), ids, e.getKey());
            Finding f = d.findings().get(0);
            assertFalse(f.explanation().isBlank());
            assertFalse(f.remediation().isEmpty(), e.getKey());
            assertFalse(d.healthy(), e.getKey());
        }
    }

    @Test
    void healthyStoriesOfEveryKernelFindNothing() throws Exception {
        for (String k : Fixtures.KERNELS) {
            Diagnosis d = Stories.diagnose("healthy-" + k, List.of());
            assertEquals(List.of(Doctor.NOTHING_WRONG), d.findings().stream().map(Finding::id).toList(), k);
            assertTrue(d.healthy());
            Finding ok = d.findings().get(0);
            assertEquals(Severity.OK, ok.severity());
            List<String> checked = ok.counters().stream().map(CounterEvidence::counter).toList();
            assertTrue(checked.contains("TcpExt:ListenDrops") && checked.contains("TcpExt:ListenOverflows"), k + ": " + checked);
            assertEquals(k.equals("3.16") || k.equals("4.9"), checked.contains("TcpExt:PAWSPassive"), k);
            assertEquals(k.equals("6.18"), checked.contains("TcpExt:PAWSTimewait"), k);
            assertEquals(k.equals("6.18") ? List.of("TcpExt:PAWSPassive") : k.equals("3.16") || k.equals("4.9")
                    ? List.of("TcpExt:PAWSTimewait") : List.of("TcpExt:PAWSPassive", "TcpExt:PAWSTimewait"),
                    d.countersMissing(), k);
            assertEquals(60, d.interval().orElseThrow().toSeconds());
        }
    }

    @Test
    void twRecycleEvidenceHasTheCountersAndTheSysctl() throws Exception {
        Finding f = Stories.diagnose("tw-recycle-3.16", List.of()).findings().get(0);
        assertEquals(Severity.CRITICAL, f.severity());
        assertEquals(List.of(new CounterEvidence("TcpExt:PAWSPassive", 71), new CounterEvidence("TcpExt:ListenDrops", 71)),
                f.counters());
        assertTrue(f.facts().contains("net.ipv4.tcp_tw_recycle = 1"), f.facts().toString());
        assertTrue(f.remediation().get(0).commands().contains("sysctl -w net.ipv4.tcp_tw_recycle=0"));
        assertTrue(f.remediation().get(1).commands().stream().anyMatch(c -> c.contains("/etc/sysctl.d/")));
    }

    @Test
    void synQueueStoryCountsThePeerUnprovenRemainder() throws Exception {
        Finding f = Stories.diagnose("syn-queue-4.9", List.of()).findings().get(0);
        assertEquals(" (syncookies off)", f.title().substring(f.title().indexOf(" (")));
        assertTrue(f.facts().stream().anyMatch(s -> s.startsWith("30 ListenDrops are not explained")), f.facts().toString());
        assertTrue(f.remediation().get(0).commands().contains("sysctl -w net.ipv4.tcp_syncookies=1"));
    }

    @Test
    void forcedSyncookiesAreNotReportedAsAnOverflowingSynQueue() throws Exception {
        Diagnosis d = Stories.diagnose("syn-cookies-forced-6.1", List.of());
        assertFalse(d.finding(SynCookiesRule.ID).isPresent(), "tcp_syncookies=2 counts every SYN, not overflows");
        Finding f = d.finding(SynCookiesRule.FORCED_ID).orElseThrow();
        assertEquals(Severity.WARNING, f.severity());
        assertTrue(f.facts().contains("net.ipv4.tcp_syncookies = 2"), f.facts().toString());
        assertTrue(f.remediation().get(0).commands().contains("sysctl -w net.ipv4.tcp_syncookies=1"));
    }

    @Test
    void timewaitPawsOnOldKernelIsOnlyAWarningWithoutEvents() throws Exception {
        Finding old = Stories.diagnose("timewait-paws-6.1", List.of()).findings().get(0);
        assertEquals(Severity.WARNING, old.severity());
        assertEquals(List.of(new CounterEvidence("TcpExt:PAWSEstab", 12)), old.counters());
        Finding precise = Stories.diagnose("timewait-paws-6.18", List.of()).findings().get(0);
        assertEquals(Severity.CRITICAL, precise.severity());
        assertEquals(new CounterEvidence("TcpExt:PAWSTimewait", 9), precise.counters().get(0));
    }

    @Test
    void singleSnapshotIsDiagnosedAsSinceBoot() throws Exception {
        CounterDelta d = CounterDelta.sinceBoot(SnapshotDir.read(Fixtures.story("tw-recycle-3.16").resolve("0002")));
        Diagnosis diag = new Doctor().diagnose(d, null, List.of());
        assertTrue(diag.sinceBoot());
        Finding f = diag.finding(TwRecycleRule.ID).orElseThrow();
        assertTrue(f.explanation().contains("since boot"), f.explanation());
        assertEquals(71, f.counters().get(0).delta());
        assertEquals("3.16.0-4-amd64", diag.kernel().orElseThrow());
    }

    @Test
    void samplesInTheWrongOrderAreReportedAsAReset() throws Exception {
        CounterDelta forward = Stories.delta("accept-overflow-5.10");
        CounterDelta backward = CounterDelta.between(forward.after(), forward.before().orElseThrow());
        Diagnosis d = new Doctor().diagnose(backward, null, List.of());
        assertEquals(Doctor.COUNTERS_RESET, d.findings().get(0).id());
        assertFalse(d.finding(AcceptQueueRule.ID).isPresent());
    }
}
