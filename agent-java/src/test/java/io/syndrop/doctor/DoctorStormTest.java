package io.syndrop.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.counters.Sysctls;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Storms named from storm summaries: a SYN flood and an accept-queue storm, with their counts as evidence. */
class DoctorStormTest {
    static final long NETNS = 4026531840L;

    /** One key's summary for window w (1 s windows from Stories.T0). */
    static DropSummary summary(int w, Reason r, String prefix, int port, long count, long detailed) {
        long start = Stories.T0 + w * 1_000_000_000L;
        return DropSummary.newBuilder().setSeq(1000 + w).setTimeUnixNano(start + 1_000_000_000L).setNode("web-1")
                .setAgentId("a").setAgentBoot(1).setWindowStartUnixNano(start).setWindowEndUnixNano(start + 1_000_000_000L)
                .setReason(r).setNetnsIno(NETNS).setDstPort(port).setSrcPrefix(prefix).setCount(count).setDetailed(detailed)
                .setFirstSeenUnixNano(start + 1000).setLastSeenUnixNano(start + 999_000_000L).build();
    }

    private static Sysctls sysctls(String cookies, String backlog, String somaxconn) {
        return new Sysctls(Map.of(Sysctls.SYNCOOKIES, cookies, Sysctls.MAX_SYN_BACKLOG, backlog, Sysctls.SOMAXCONN, somaxconn));
    }

    @Test
    void aSynFloodIsNamedWithItsSourcesRateListenerAndSyncookiesAdvice() {
        List<DropSummary> sums = new ArrayList<>();
        for (int w = 0; w < 10; w++) {
            sums.add(summary(w, Reason.SYN_QUEUE_FULL, "198.51.100.0/24", 80, 9_000, 10));
            sums.add(summary(w, Reason.SYN_QUEUE_FULL, "203.0.113.0/24", 80, 2_000, 10));
            sums.add(summary(w, Reason.PEER_UNPROVEN, "192.0.2.0/24", 80, 1_000, 10));
        }
        DropEvent example = Stories.event(1, Reason.SYN_QUEUE_FULL, "198.51.100.7", 40000, "10.0.0.1", 80, 0, 0)
                .toBuilder().setSynQueueMax(256).build();
        Diagnosis d = new Doctor().diagnose(null, sysctls("0", "256", "4096"), List.of(example), sums);
        Finding f = d.finding(SynFloodRule.ID).orElseThrow();
        assertEquals(Severity.CRITICAL, f.severity());
        assertEquals(d.findings().get(0).id(), SynFloodRule.ID, "the storm comes first: " + d.findings());
        String facts = String.join("\n", f.facts());
        assertTrue(facts.contains("SYN flood on listener port 80 (netns 4026531840): 120000 SYNs dropped in 10 s (12000/s)"
                + " over 30 summary window(s), 300 sent in detail, 119700 counted only in summaries; SYN queue limit 256"), facts);
        assertTrue(facts.contains("sources (by /24 or /64 prefix): 198.51.100.0/24 90000 (75%), 203.0.113.0/24 20000 (17%),"
                + " 192.0.2.0/24 10000 (8%)"), facts);
        assertTrue(facts.contains("net.ipv4.tcp_syncookies = 0"), facts);
        assertTrue(f.explanation().contains("120000 SYNs (about 12000/s) were dropped at port 80 (netns 4026531840)"), f.explanation());
        assertTrue(f.explanation().contains("spread over 3 source prefix(es)"), f.explanation());
        assertEquals(List.of("sysctl -w net.ipv4.tcp_syncookies=1", "echo 'net.ipv4.tcp_syncookies = 1' > /etc/sysctl.d/90-syncookies.conf"),
                f.remediation().get(0).commands());
        assertEquals(List.of("sysctl -w net.ipv4.tcp_max_syn_backlog=4096", "sysctl -w net.core.somaxconn=4096"),
                f.remediation().get(1).commands());
        assertEquals(List.of(example), f.events());
        assertFalse(d.finding(AcceptQueueStormRule.ID).isPresent());
    }

    @Test
    void aFloodFromOnePrefixSaysSo() {
        List<DropSummary> sums = List.of(summary(0, Reason.SYN_QUEUE_FULL, "2001:db8:1::/64", 443, 50_000, 100),
                summary(0, Reason.SYN_QUEUE_FULL, "2001:db8:2::/64", 443, 100, 100));
        Finding f = new Doctor().diagnose(null, sysctls("0", "1024", "4096"), List.of(), sums).finding(SynFloodRule.ID).orElseThrow();
        assertTrue(f.explanation().contains("almost all from one prefix"), f.explanation());
        assertTrue(String.join("\n", f.facts()).contains("2001:db8:1::/64 50000 (100%)"), f.facts().toString());
        assertEquals("sysctl -w net.ipv4.tcp_max_syn_backlog=4096", f.remediation().get(1).commands().get(0));
    }

    @Test
    void anAcceptQueueStormNamesTheListenerItsBacklogAgainstSomaxconnAndTheApplication() {
        List<DropSummary> sums = new ArrayList<>();
        for (int w = 0; w < 5; w++) {
            sums.add(summary(w, Reason.ACCEPT_QUEUE_FULL, "10.1.0.0/24", 8080, 3_000, 20));
            sums.add(summary(w, Reason.ACCEPT_QUEUE_FULL, "10.2.0.0/24", 8080, 1_000, 20));
        }
        DropEvent ev = Stories.event(1, Reason.ACCEPT_QUEUE_FULL, "10.1.0.9", 50000, "10.0.0.1", 8080, 0, 0).toBuilder()
                .setAcceptQueueLen(129).setAcceptQueueMax(128).setProcessPid(812).setProcessComm("java").build();
        Diagnosis d = new Doctor().diagnose(null, sysctls("1", "1024", "4096"), List.of(ev), sums);
        Finding f = d.finding(AcceptQueueStormRule.ID).orElseThrow();
        String facts = String.join("\n", f.facts());
        assertTrue(facts.contains("accept-queue storm on listener port 8080 (netns 4026531840) held by java (pid 812): 20000 SYNs or"
                + " final ACKs dropped in 5 s (4000/s) over 10 summary window(s), 200 sent in detail, 19800 counted only in summaries"), facts);
        assertTrue(facts.contains("backlog 128 < somaxconn 4096: the application asked listen() for 128"), facts);
        assertTrue(f.explanation().contains("the application does not call accept()"), f.explanation());
        assertEquals(List.of("ss -lnt"), f.remediation().get(0).commands());
        assertTrue(d.finding(AcceptQueueRule.ID).isPresent(), "the event still makes the overflow finding");
        assertFalse(d.finding(SynFloodRule.ID).isPresent());
        assertEquals("backlog 4096 = somaxconn 4096: somaxconn caps the application's listen() backlog",
                AcceptQueueStormRule.backlogFact(4096, java.util.OptionalLong.of(4096)));
    }

    @Test
    void summariesOfATrickleAreNoStorm() {
        // Every drop sent in detail and a rate far below a storm's: no storm finding.
        List<DropSummary> sums = List.of(summary(0, Reason.SYN_QUEUE_FULL, "198.51.100.0/24", 80, 5, 5),
                summary(1, Reason.ACCEPT_QUEUE_FULL, "198.51.100.0/24", 80, 3, 3));
        Diagnosis d = new Doctor().diagnose(null, sysctls("1", "1024", "4096"), List.of(), sums);
        assertFalse(d.finding(SynFloodRule.ID).isPresent(), d.findings().toString());
        assertFalse(d.finding(AcceptQueueStormRule.ID).isPresent(), d.findings().toString());
        // The rate alone makes a storm when the rate limit is off (count == detailed).
        Diagnosis fast = new Doctor().diagnose(null, null, List.of(),
                List.of(summary(0, Reason.SYN_QUEUE_FULL, "198.51.100.0/24", 80, 500, 500)));
        assertTrue(fast.finding(SynFloodRule.ID).isPresent(), fast.findings().toString());
    }

    @Test
    void summariesAndCountersTogether() throws Exception {
        List<DropSummary> sums = List.of(summary(0, Reason.SYN_QUEUE_FULL, "198.51.100.0/24", 80, 50, 5));
        Diagnosis d = new Doctor().diagnose(Stories.delta("syn-queue-4.9"), null, List.of(), sums);
        Finding f = d.finding(SynFloodRule.ID).orElseThrow();
        assertEquals("TcpExt:TCPReqQFullDrop", f.counters().get(0).counter(), f.counters().toString());
        assertTrue(d.finding(SynQueueRule.ID).isPresent());
    }
}
