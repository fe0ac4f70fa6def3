package io.syndrop.doctor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One diagnosis of several network namespaces (a node's pods, each with its own counters): each
 * finding names the namespace it was found in, and "nothing wrong" is said only when every
 * namespace was checked and none had a finding, naming the namespaces checked and those that were
 * not. The counters checked are summed over the namespaces.
 */
public final class NamespaceDiagnoses {
    /** A namespace's own diagnosis, under the name it has in output. */
    public record Of(String netns, long inode, Diagnosis diagnosis) {}

    /** A namespace that could not be diagnosed, and why. */
    public record Unchecked(String netns, long inode, String why) {}

    private NamespaceDiagnoses() {}

    /**
     * @param checked          the host's namespace first, then the others
     * @param unchecked        namespaces found but not read
     * @param withoutListeners namespaces found with no TCP listener, which were not looked at
     */
    public static Diagnosis merge(List<Of> checked, List<Unchecked> unchecked, int withoutListeners) {
        if (checked.isEmpty()) {
            throw new IllegalArgumentException("no namespace was diagnosed");
        }
        List<Finding> findings = new ArrayList<>();
        List<Diagnosis.NamespaceCheck> namespaces = new ArrayList<>();
        Map<String, Long> sums = new LinkedHashMap<>();
        LinkedHashSet<String> missing = new LinkedHashSet<>();
        int events = 0;
        for (Of o : checked) {
            List<Finding> own = o.diagnosis().findings().stream()
                    .filter(f -> !f.id().equals(Doctor.NOTHING_WRONG)).map(f -> f.in(o.netns())).toList();
            findings.addAll(own);
            namespaces.add(new Diagnosis.NamespaceCheck(o.netns(), o.inode(), true, own.size(), ""));
            o.diagnosis().countersChecked().forEach(c -> sums.merge(c.counter(), c.delta(), Long::sum));
            missing.addAll(o.diagnosis().countersMissing());
            events += o.diagnosis().eventsGiven();
        }
        for (Unchecked u : unchecked) {
            namespaces.add(new Diagnosis.NamespaceCheck(u.netns(), u.inode(), false, 0, u.why()));
        }
        findings.sort(Comparator.comparing(Finding::severity).reversed());
        List<CounterEvidence> summed = sums.entrySet().stream()
                .map(e -> new CounterEvidence(e.getKey(), e.getValue())).toList();
        String names = checked.stream().map(Of::netns).collect(Collectors.joining(", "));
        if (findings.isEmpty()) {
            findings.add(nothingWrong(checked, unchecked, withoutListeners, summed, names));
        }
        Diagnosis first = checked.get(0).diagnosis();
        String origin = checked.size() + " network namespace(s) with listeners: " + names
                + (withoutListeners > 0 ? " (" + withoutListeners + " without listeners not looked at)" : "");
        return new Diagnosis(origin, first.kernel(), first.sinceBoot(), first.from(), first.to(), events, findings,
                summed, List.copyOf(missing), namespaces);
    }

    private static Finding nothingWrong(List<Of> checked, List<Unchecked> unchecked, int withoutListeners,
                                        List<CounterEvidence> summed, String names) {
        List<String> facts = new ArrayList<>();
        facts.add("checked: " + names);
        for (Unchecked u : unchecked) {
            facts.add("NOT checked: " + u.netns() + ": " + u.why());
        }
        Optional<String> own = checked.get(0).diagnosis().finding(Doctor.NOTHING_WRONG).map(Finding::explanation);
        String scope = unchecked.isEmpty()
                ? "In each of the " + checked.size() + " network namespace(s) with listeners (" + names + "): "
                : "In the " + checked.size() + " network namespace(s) checked (" + names + "; " + unchecked.size()
                        + " could not be checked and may well have problems): ";
        return new Finding(Doctor.NOTHING_WRONG, unchecked.isEmpty() ? "Nothing wrong found"
                : "Nothing wrong found in the namespaces checked", Severity.OK, summed, facts, List.of(),
                scope + own.orElse("no counter that records dropped SYNs and handshakes shows a problem.")
                        + (withoutListeners > 0 ? " Namespaces without listeners (" + withoutListeners
                        + ") cannot drop SYNs for a listener and were not looked at." : ""),
                List.of());
    }
}
