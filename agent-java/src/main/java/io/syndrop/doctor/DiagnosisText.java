package io.syndrop.doctor;

import io.syndrop.proto.v1.DropEvent;
import java.util.ArrayList;
import java.util.List;

/** The human form of a diagnosis: one block per finding, evidence first, then why, then the fix. */
public final class DiagnosisText {
    private static final int WIDTH = 100;

    private DiagnosisText() {}

    public static String render(Diagnosis d) {
        StringBuilder sb = new StringBuilder();
        sb.append("syndrop doctor: ").append(d.origin());
        d.kernel().ifPresent(k -> sb.append(", kernel ").append(k));
        sb.append('\n');
        if (d.sinceBoot()) {
            sb.append("window: since boot (a single sample: values are totals, not deltas)\n");
        } else if (d.interval().isPresent()) {
            sb.append("window: ").append(d.from().get()).append(" .. ").append(d.to().get())
                    .append(" (").append(d.interval().get().toSeconds()).append(" s)\n");
        } else if (!d.origin().equals("events only")) {
            sb.append("window: between the first and the last sample (times not recorded)\n");
        }
        sb.append("drop events given: ").append(d.eventsGiven()).append("\n");
        for (Diagnosis.NamespaceCheck c : d.namespaces()) {
            if (c.checked()) {
                sb.append("checked: ").append(c.netns()).append(c.findings() == 0 ? ": nothing wrong"
                        : ": " + c.findings() + " finding(s)").append('\n');
            } else {
                wrap(sb, "NOT checked: " + c.netns() + ": " + c.why(), "", "  ");
            }
        }
        for (Finding f : d.findings()) {
            sb.append('\n').append('[').append(f.severity()).append("] ").append(f.id()).append(": ").append(f.title())
                    .append(f.netns().isEmpty() ? "" : " in " + f.netns()).append('\n');
            sb.append("  Evidence:\n");
            for (CounterEvidence c : f.counters()) {
                sb.append("    ").append(c.counter()).append(d.sinceBoot() ? " = " : " +").append(c.delta()).append('\n');
            }
            for (String fact : f.facts()) {
                wrap(sb, fact, "    ", "      ");
            }
            for (DropEvent e : f.events()) {
                wrap(sb, "event: " + Evidence.describe(e), "    ", "      ");
            }
            sb.append("  Why:\n");
            wrap(sb, f.explanation(), "    ", "    ");
            if (!f.remediation().isEmpty()) {
                sb.append("  Fix:\n");
                int n = 1;
                for (Remedy r : f.remediation()) {
                    wrap(sb, n++ + ". " + r.action(), "    ", "       ");
                    for (String c : r.commands()) {
                        sb.append("         ").append(c).append('\n');
                    }
                    wrap(sb, "Trade-off: " + r.tradeoff(), "       ", "       ");
                }
            }
        }
        if (d.finding(Doctor.NOTHING_WRONG).isPresent()) {
            if (!d.countersMissing().isEmpty()) {
                sb.append('\n');
                wrap(sb, "Not on this kernel: " + String.join(", ", d.countersMissing()), "", "  ");
            }
            return sb.toString();
        }
        sb.append('\n').append(d.namespaces().isEmpty() ? "Counters checked:"
                : "Counters checked (summed over the namespaces checked):");
        if (d.countersChecked().isEmpty()) {
            sb.append(" none (no counters given)");
        }
        sb.append('\n');
        for (CounterEvidence c : d.countersChecked()) {
            sb.append("  ").append(c.counter()).append(d.sinceBoot() ? " = " : " +").append(c.delta()).append('\n');
        }
        if (!d.countersMissing().isEmpty()) {
            wrap(sb, "Not on this kernel: " + String.join(", ", d.countersMissing()), "", "  ");
        }
        return sb.toString();
    }

    private static void wrap(StringBuilder sb, String text, String first, String rest) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder(first);
        for (String word : text.split(" ")) {
            if (line.length() + word.length() + 1 > WIDTH && line.length() > first.length()) {
                lines.add(line.toString());
                line = new StringBuilder(rest);
            } else if (line.length() > (lines.isEmpty() ? first.length() : rest.length())) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add(line.toString());
        lines.forEach(l -> sb.append(l).append('\n'));
    }
}
