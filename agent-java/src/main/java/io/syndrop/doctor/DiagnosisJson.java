package io.syndrop.doctor;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.syndrop.proto.v1.DropEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.syndrop.format.JsonWriter;

/**
 * The data form of a diagnosis (`doctor --json`). Field names are a contract: add fields, never rename.
 * Events use the proto3 JSON mapping, as `syndrop watch --json` prints them.
 *
 * <pre>
 * {"origin", "kernel", "sinceBoot", "from", "to", "intervalSeconds", "eventsGiven", "healthy",
 *  "findings": [{"id", "title", "severity",
 *                "evidence": {"counters": [{"name", "delta"}], "facts": [..], "events": [DropEvent]},
 *                "explanation", "remediation": [{"action", "commands": [..], "tradeoff"}]}],
 *  "countersChecked": [{"name", "delta"}], "countersMissing": [..],
 *  "namespaces": [{"netns", "inode", "checked", "findings" | "why"}]}   (live, several namespaces)
 * </pre>
 * A finding found in one of several namespaces has "netns" after "severity"; countersChecked is then
 * summed over the namespaces checked.
 * <pre>
 * </pre>
 */
public final class DiagnosisJson {
    private static final JsonFormat.Printer EVENT_PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    private DiagnosisJson() {}

    public static String render(Diagnosis d) {
        return JsonWriter.write(toMap(d));
    }

    static Map<String, Object> toMap(Diagnosis d) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("origin", d.origin());
        d.kernel().ifPresent(k -> o.put("kernel", k));
        o.put("sinceBoot", d.sinceBoot());
        d.from().ifPresent(t -> o.put("from", t.toString()));
        d.to().ifPresent(t -> o.put("to", t.toString()));
        d.interval().ifPresent(i -> o.put("intervalSeconds", i.toMillis() / 1000.0));
        o.put("eventsGiven", d.eventsGiven());
        o.put("healthy", d.healthy());
        List<Object> findings = new ArrayList<>();
        for (Finding f : d.findings()) {
            Map<String, Object> fo = new LinkedHashMap<>();
            fo.put("id", f.id());
            fo.put("title", f.title());
            fo.put("severity", f.severity().name());
            if (!f.netns().isEmpty()) {
                fo.put("netns", f.netns());
            }
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("counters", counters(f.counters()));
            ev.put("facts", f.facts());
            ev.put("events", f.events().stream().map(e -> (Object) new JsonWriter.Raw(print(e))).toList());
            fo.put("evidence", ev);
            fo.put("explanation", f.explanation());
            List<Object> rem = new ArrayList<>();
            for (Remedy r : f.remediation()) {
                Map<String, Object> ro = new LinkedHashMap<>();
                ro.put("action", r.action());
                ro.put("commands", r.commands());
                ro.put("tradeoff", r.tradeoff());
                rem.add(ro);
            }
            fo.put("remediation", rem);
            findings.add(fo);
        }
        o.put("findings", findings);
        o.put("countersChecked", counters(d.countersChecked()));
        o.put("countersMissing", d.countersMissing());
        if (!d.namespaces().isEmpty()) {
            List<Object> ns = new ArrayList<>();
            for (Diagnosis.NamespaceCheck c : d.namespaces()) {
                Map<String, Object> no = new LinkedHashMap<>();
                no.put("netns", c.netns());
                no.put("inode", c.inode());
                no.put("checked", c.checked());
                if (c.checked()) {
                    no.put("findings", c.findings());
                } else {
                    no.put("why", c.why());
                }
                ns.add(no);
            }
            o.put("namespaces", ns);
        }
        return o;
    }

    private static List<Object> counters(List<CounterEvidence> list) {
        List<Object> a = new ArrayList<>();
        for (CounterEvidence c : list) {
            Map<String, Object> co = new LinkedHashMap<>();
            co.put("name", c.counter());
            co.put("delta", c.delta());
            a.add(co);
        }
        return a;
    }

    private static String print(DropEvent e) {
        try {
            return EVENT_PRINTER.print(e);
        } catch (InvalidProtocolBufferException ex) {
            throw new IllegalStateException("DropEvent has no JSON form: " + ex.getMessage(), ex);
        }
    }
}
