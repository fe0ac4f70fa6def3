package io.syndrop.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.counters.CounterDelta;
import io.syndrop.counters.CounterSnapshot;
import io.syndrop.counters.CounterTable;
import io.syndrop.counters.Sysctls;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Several namespaces in one diagnosis: findings name their namespace; "nothing wrong" only covers what was checked. */
class NamespaceDiagnosesTest {
    private static CounterSnapshot sample(long t, long overflows, String origin) throws Exception {
        CounterTable netstat = CounterTable.parse("TcpExt: ListenOverflows ListenDrops\nTcpExt: " + overflows + " " + overflows + "\n", "netstat");
        CounterTable snmp = CounterTable.parse("Tcp: PassiveOpens\nTcp: 0\n", "snmp");
        return new CounterSnapshot(Optional.of(Instant.ofEpochSecond(t)), netstat, snmp, Sysctls.empty(), 7, origin);
    }

    private static Diagnosis of(long overflows, String origin) throws Exception {
        return new Doctor().diagnose(CounterDelta.between(sample(0, 10, origin), sample(12, 10 + overflows, origin)), null, List.of());
    }

    @Test
    void aFindingInAPodNamesThePodAndNothingWrongIsNotClaimed() throws Exception {
        Diagnosis d = NamespaceDiagnoses.merge(List.of(
                new NamespaceDiagnoses.Of("host", 1, of(0, "host")),
                new NamespaceDiagnoses.Of("netns web1 (ino 2)", 2, of(135, "netns web1 (ino 2)"))), List.of(), 3);
        assertFalse(d.healthy());
        assertTrue(d.finding(Doctor.NOTHING_WRONG).isEmpty(), d.findings().toString());
        Finding f = d.finding("accept-queue-overflow").orElseThrow();
        assertEquals("netns web1 (ino 2)", f.netns());
        assertEquals(135, f.counters().get(0).delta());
        String text = DiagnosisText.render(d);
        assertTrue(text.contains("[CRITICAL] accept-queue-overflow: Accept queue overflows (ListenOverflows) in netns web1 (ino 2)\n"), text);
        assertTrue(text.contains("checked: host: nothing wrong\n"), text);
        assertTrue(text.contains("checked: netns web1 (ino 2): 1 finding(s)\n"), text);
        assertTrue(text.contains("(3 without listeners not looked at)"), text);
        assertTrue(text.contains("Counters checked (summed over the namespaces checked):\n"), text);
        String json = DiagnosisJson.render(d);
        assertTrue(json.contains("\"netns\": \"netns web1 (ino 2)\""), json);
        assertTrue(json.contains("\"checked\": true"), json);
    }

    @Test
    void nothingWrongNamesWhatWasCheckedAndWhatWasNot() throws Exception {
        Diagnosis d = NamespaceDiagnoses.merge(List.of(new NamespaceDiagnoses.Of("host", 1, of(0, "host"))),
                List.of(new NamespaceDiagnoses.Unchecked("netns ino 9 (pid 5 app)", 9, "it is gone")), 0);
        Finding ok = d.finding(Doctor.NOTHING_WRONG).orElseThrow();
        assertEquals("Nothing wrong found in the namespaces checked", ok.title());
        assertTrue(ok.facts().contains("checked: host"), ok.facts().toString());
        assertTrue(ok.facts().contains("NOT checked: netns ino 9 (pid 5 app): it is gone"), ok.facts().toString());
        assertTrue(ok.explanation().contains("1 could not be checked and may well have problems"), ok.explanation());
        String text = DiagnosisText.render(d);
        assertTrue(text.contains("NOT checked: netns ino 9 (pid 5 app): it is gone\n"), text);
        assertTrue(DiagnosisJson.render(d).contains("\"why\": \"it is gone\""));
    }

    @Test
    void countersCheckedAreSummedOverTheNamespaces() throws Exception {
        Diagnosis d = NamespaceDiagnoses.merge(List.of(
                new NamespaceDiagnoses.Of("a", 1, of(4, "a")), new NamespaceDiagnoses.Of("b", 2, of(5, "b"))), List.of(), 0);
        long sum = d.countersChecked().stream().filter(c -> c.counter().equals("TcpExt:ListenOverflows"))
                .mapToLong(CounterEvidence::delta).sum();
        assertEquals(9, sum);
        assertEquals(2, d.findings().stream().filter(f -> f.id().equals("accept-queue-overflow")).count());
    }
}
