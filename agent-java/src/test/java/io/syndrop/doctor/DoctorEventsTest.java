package io.syndrop.doctor;

import static io.syndrop.doctor.Stories.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.counters.Sysctls;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Findings that need drop events as evidence, alone or with counters. */
class DoctorEventsTest {
    private static final String SERVER = "10.0.0.1";

    @Test
    void timewaitPawsEventsMakeTheOldKernelFindingCertainAndShowTimestamps() throws Exception {
        List<DropEvent> evs = List.of(
                event(1, Reason.TIMEWAIT_PAWS, "192.0.2.7", 40001, SERVER, 80, 5, 912_345),
                event(2, Reason.TIMEWAIT_PAWS, "192.0.2.7", 40002, SERVER, 80, 77, 913_000));
        Finding f = Stories.diagnose("timewait-paws-6.1", evs).finding(TimewaitPawsRule.ID).orElseThrow();
        assertEquals(Severity.CRITICAL, f.severity());
        assertEquals(2, f.events().size());
        assertTrue(f.facts().contains("192.0.2.7 sent TSval 5 but the TIME-WAIT socket last saw 912345"), f.facts().toString());
        assertTrue(Evidence.describe(f.events().get(0)).contains("192.0.2.7:40001 -> 10.0.0.1:80 TIMEWAIT_PAWS TSval 5 cached ts 912345"),
                Evidence.describe(f.events().get(0)));
    }

    /** The SYN-queue finding quotes what the kernel saw at the drops: the namespace's settings and ListenDrops. */
    @Test
    void synQueueFindingQuotesTheNamespacesSettingsAndListenDropsFromTheEvents() {
        List<DropEvent> evs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            evs.add(event(i + 1, Reason.SYN_QUEUE_FULL, "192.0.2.7", 40001 + i, SERVER, 80, 5, 0).toBuilder()
                    .setSyncookies(0).setMaxSynBacklog(128).setTcpFlags(0x02)
                    .setListenDropsBefore(41 + i).setListenDropsAfter(42 + i).build());
        }
        Finding f = new Doctor().diagnose(null, Sysctls.empty(), evs).finding(SynQueueRule.ID).orElseThrow();
        assertTrue(f.facts().contains("at the drop (kernel, 3 events): net.ipv4.tcp_syncookies = 0, net.ipv4.tcp_max_syn_backlog = 128"),
                f.facts().toString());
        assertTrue(f.facts().contains("TcpExt:ListenDrops of the dropping CPU rose by one over tcp_conn_request for 3 of 3 events "
                + "(e.g. 41 -> 42 for 192.0.2.7:40001)"), f.facts().toString());
        assertTrue(Evidence.describe(f.events().get(0)).endsWith(" on the SYN ListenDrops 41->42"), Evidence.describe(f.events().get(0)));
    }

    /** The accept-queue finding says whether the SYN or the handshake's final ACK was dropped. */
    @Test
    void acceptQueueFindingSaysSynOrFinalAck() {
        List<DropEvent> evs = List.of(
                event(1, Reason.ACCEPT_QUEUE_FULL, "192.0.2.7", 40001, SERVER, 80, 5, 0).toBuilder().setTcpFlags(0x02)
                        .setListenDropsBefore(7).setListenDropsAfter(8).build(),
                event(2, Reason.ACCEPT_QUEUE_FULL, "192.0.2.7", 40002, SERVER, 80, 5, 0).toBuilder().setTcpFlags(0x10)
                        .setFinalAck(true).build(),
                event(3, Reason.ACCEPT_QUEUE_FULL, "192.0.2.7", 40003, SERVER, 80, 5, 0).toBuilder().setTcpFlags(0x10)
                        .setFinalAck(true).build());
        Finding f = new Doctor().diagnose(null, Sysctls.empty(), evs).finding(AcceptQueueRule.ID).orElseThrow();
        assertTrue(f.facts().stream().anyMatch(x -> x.startsWith("1 dropped on the SYN (tcp_conn_request") && x.contains(", 2 on the handshake's final ACK")),
                f.facts().toString());
        assertTrue(Evidence.describe(f.events().get(1)).endsWith(" on the final ACK"), Evidence.describe(f.events().get(1)));
    }

    @Test
    void kernelDropReasonNameCountsAsTimewaitPaws() {
        DropEvent e = event(1, Reason.KERNEL_REASON, "192.0.2.9", 40001, SERVER, 443, 5, 1000).toBuilder()
                .setKernelReason("TCP_RFC7323_TW_PAWS").build();
        Diagnosis d = new Doctor().diagnose(null, Sysctls.empty(), List.of(e));
        assertEquals(Severity.CRITICAL, d.finding(TimewaitPawsRule.ID).orElseThrow().severity());
        assertEquals("events only", d.origin());
    }

    @Test
    void oneSourceWithTwoClocksIsANat() {
        List<DropEvent> evs = new ArrayList<>();
        long[] tsvals = {1_000, 1_010, 500_000, 1_020, 500_010, 1_030};
        for (int i = 0; i < tsvals.length; i++) {
            evs.add(event(i + 1, Reason.TIMEWAIT_PAWS, "198.51.100.4", 50000 + i, SERVER, 80, tsvals[i], 0));
        }
        // Another client whose clock only moves forward, across the 32-bit wrap.
        evs.add(event(20, Reason.TIMEWAIT_PAWS, "198.51.100.99", 1, SERVER, 80, 0xFFFF_FFF0L, 0));
        evs.add(event(21, Reason.TIMEWAIT_PAWS, "198.51.100.99", 2, SERVER, 80, 0x10, 0));
        Finding f = new Doctor().diagnose(null, null, evs).finding(NatClockRule.ID).orElseThrow();
        assertEquals(1, f.facts().size(), f.facts().toString());
        String fact = f.facts().get(0);
        assertTrue(fact.startsWith("198.51.100.4 is a NAT of at least 2 hosts: TSval 500000"), fact);
        assertTrue(fact.contains("then TSval 1020"), fact);
        assertTrue(f.explanation().contains("this source is a NAT of several hosts"), f.explanation());
        assertEquals("198.51.100.4", f.events().get(0).getSrcAddr());
    }

    @Test
    void clockCountIsTheFewestForwardSequences() {
        List<DropEvent> three = new ArrayList<>();
        long[] ts = {300, 200, 100, 301, 201, 101};
        for (int i = 0; i < ts.length; i++) {
            three.add(event(i, Reason.TIMEWAIT_PAWS, "a", 1, SERVER, 80, ts[i], 0));
        }
        assertEquals(3, NatClockRule.minClocks(three));
    }

    @Test
    void timestampsWithinThePawsWindowOrMonotonicAreOneHost() {
        List<DropEvent> evs = List.of(
                event(1, Reason.TIMEWAIT_PAWS, "203.0.113.5", 1, SERVER, 80, 1_000, 0),
                event(2, Reason.TIMEWAIT_PAWS, "203.0.113.5", 2, SERVER, 80, 999, 0),
                event(3, Reason.TIMEWAIT_PAWS, "203.0.113.5", 3, SERVER, 80, 2_000, 0));
        assertFalse(new Doctor().diagnose(null, null, evs).finding(NatClockRule.ID).isPresent());
    }

    @Test
    void eventsAreOrderedByTimeBeforeLookingForJumps() {
        DropEvent late = event(2, Reason.TIMEWAIT_PAWS, "203.0.113.8", 1, SERVER, 80, 5_000, 0);
        DropEvent early = event(1, Reason.TIMEWAIT_PAWS, "203.0.113.8", 2, SERVER, 80, 4_000, 0);
        assertFalse(new Doctor().diagnose(null, null, List.of(late, early)).finding(NatClockRule.ID).isPresent());
    }

    @Test
    void acceptQueueEventsNameTheListenerAndItsLimit() throws Exception {
        List<DropEvent> evs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            evs.add(event(i, Reason.ACCEPT_QUEUE_FULL, "192.0.2." + (10 + i), 41000 + i, SERVER, 8080, 0, 0)
                    .toBuilder().setAcceptQueueLen(129).setAcceptQueueMax(128).build());
        }
        Finding f = Stories.diagnose("accept-overflow-5.10", evs).finding(AcceptQueueRule.ID).orElseThrow();
        assertTrue(f.facts().contains("listener 10.0.0.1:8080: 3 drops, accept queue 129/128 (limit = min(listen backlog, somaxconn))"),
                f.facts().toString());
        assertTrue(f.facts().contains("net.core.somaxconn = 128"), f.facts().toString());
        assertEquals(List.of(new CounterEvidence("TcpExt:ListenOverflows", 25), new CounterEvidence("TcpExt:ListenDrops", 25)),
                f.counters());
    }

    @Test
    void acceptQueueFindingNamesTheWorkloadOfAResolvedListener() {
        Sysctls s = new Sysctls(Map.of(Sysctls.SOMAXCONN, "4096"));
        List<DropEvent> evs = new ArrayList<>();
        evs.add(event(0, Reason.ACCEPT_QUEUE_FULL, "192.0.2.10", 41000, SERVER, 443, 0, 0).toBuilder()
                .setAcceptQueueLen(512).setAcceptQueueMax(511).build()); // the first drop, not yet resolved
        for (int i = 1; i < 3; i++) {
            evs.add(event(i, Reason.ACCEPT_QUEUE_FULL, "192.0.2." + (10 + i), 41000 + i, SERVER, 443, 0, 0).toBuilder()
                    .setAcceptQueueLen(512).setAcceptQueueMax(511).setProcessPid(812).setProcessComm("nginx")
                    .setContainerId("3f4e5d6c7b8a").setContainerName("controller")
                    .setPodNamespace("ingress-nginx").setPodName("ingress-nginx-controller-7d9").build());
        }
        Finding f = new Doctor().diagnose(null, s, evs).finding(AcceptQueueRule.ID).orElseThrow();
        assertTrue(f.facts().contains("the accept queue of nginx (pid 812) in pod ingress-nginx/ingress-nginx-controller-7d9"
                + " on 10.0.0.1:443 is full: backlog 511, somaxconn 4096 (3 drops)"), f.facts().toString());

        DropEvent unit = event(5, Reason.ACCEPT_QUEUE_FULL, "192.0.2.9", 1, SERVER, 80, 0, 0).toBuilder()
                .setProcessPid(77).setProcessComm("python3").setProcessUnit("api.service").build();
        assertEquals("python3 (pid 77) of api.service", Evidence.workload(unit).orElseThrow());
        assertFalse(Evidence.workload(evs.get(0)).isPresent());
    }

    @Test
    void peerUnprovenEventsWithSyncookiesOffWithoutCounters() {
        Sysctls s = new Sysctls(Map.of(Sysctls.SYNCOOKIES, "0", Sysctls.MAX_SYN_BACKLOG, "128"));
        List<DropEvent> evs = List.of(
                event(1, Reason.PEER_UNPROVEN, "192.0.2.50", 1234, SERVER, 80, 0, 0),
                event(2, Reason.SYN_QUEUE_FULL, "192.0.2.51", 1235, SERVER, 80, 0, 0));
        Diagnosis d = new Doctor().diagnose(null, s, evs);
        Finding f = d.finding(SynQueueRule.ID).orElseThrow();
        assertEquals(Severity.CRITICAL, f.severity());
        assertTrue(f.facts().contains("2 events: 1 SYN_QUEUE_FULL, 1 PEER_UNPROVEN"), f.facts().toString());
        assertTrue(f.facts().contains("net.ipv4.tcp_syncookies = 0"));
        assertTrue(d.countersChecked().isEmpty());
    }

    @Test
    void pawsPassiveEventsAloneGiveTheTwRecycleFinding() {
        Sysctls s = new Sysctls(Map.of(Sysctls.TW_RECYCLE, "1"));
        List<DropEvent> evs = List.of(event(1, Reason.PAWS_PASSIVE_REJECTED, "192.0.2.60", 5000, SERVER, 80, 17, 900));
        Finding f = new Doctor().diagnose(null, s, evs).finding(TwRecycleRule.ID).orElseThrow();
        assertTrue(f.facts().contains("1 PAWS_PASSIVE_REJECTED events from 1 source address(es)"), f.facts().toString());
    }

    @Test
    void healthyCountersWithUnrelatedEventsStayHealthy() throws Exception {
        DropEvent other = event(1, Reason.KERNEL_REASON, "192.0.2.70", 1, SERVER, 80, 0, 0).toBuilder()
                .setKernelReason("TCP_INVALID_SYN").build();
        Diagnosis d = Stories.diagnose("healthy-6.18", List.of(other));
        assertEquals(List.of(Doctor.NOTHING_WRONG), d.findings().stream().map(Finding::id).toList());
        assertEquals(1, d.eventsGiven());
    }
}
