package io.syndrop.probe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The capabilities the agent needs and the check that it holds them before attaching, so that a
 * process started with too few fails with the name of the missing one instead of a bare EPERM from
 * the kernel or a quiet fall-back to counters. The list lives in agent-capabilities.txt, which the
 * deployment tests read too. Capabilities marked "identity" there only serve naming the listening
 * process, an enrichment: without them the check warns once and the agent goes on.
 */
public final class AgentCapabilities {
    /** Linux capability numbers (include/uapi/linux/capability.h) of the names this class deals in. */
    private static final Map<String, Integer> NUMBERS = Map.of(
            "CAP_DAC_READ_SEARCH", 2, "CAP_SYS_PTRACE", 19, "CAP_SYS_ADMIN", 21, "CAP_PERFMON", 38, "CAP_BPF", 39);

    private static final Set<String> IDENTITY = new LinkedHashSet<>();
    private static final Map<String, String> WHY = load();

    private AgentCapabilities() {}

    /**
     * Every capability of the documented set (what deploy/ grants) to why the agent needs it, in
     * the documented order (kernels 5.8+): the required ones and those for identity.
     */
    public static Map<String, String> granted() {
        return WHY;
    }

    /** The capabilities of the set marked "identity": naming listeners of other users needs them. */
    public static Set<String> forIdentity() {
        return java.util.Collections.unmodifiableSet(IDENTITY);
    }

    /**
     * What naming the listeners of other users needs and lacks: the "identity" capabilities, and
     * CAP_SYS_PTRACE (reading each /proc/PID/fd link passes ptrace_may_access) where the start
     * check did not already require it.
     */
    public static List<String> missingForIdentity(long effective) {
        List<String> need = new ArrayList<>();
        need.add("CAP_SYS_PTRACE");
        need.addAll(IDENTITY);
        List<String> lacking = new ArrayList<>();
        for (String cap : need) {
            if ((effective & (1L << NUMBERS.get(cap))) == 0) {
                lacking.add(cap);
            }
        }
        return lacking;
    }

    /**
     * What the agent needs and lacks on this kernel.
     *
     * @param effective the process's effective capability mask (CapEff)
     * @param kernelRelease e.g. "6.1.0-18-amd64"; before 5.8 there is no CAP_BPF/CAP_PERFMON and
     *                      CAP_SYS_ADMIN stands for both
     * @param allNamespaces the agent discovers every namespace itself (no --netns), which reads
     *                      other users' /proc entries
     */
    public static List<String> missing(long effective, String kernelRelease, boolean allNamespaces) {
        List<String> need = new ArrayList<>();
        if (KernelRelease.atLeast(kernelRelease, 5, 8)) {
            need.add("CAP_BPF");
            need.add("CAP_PERFMON");
        } else {
            need.add("CAP_SYS_ADMIN");
        }
        if (allNamespaces) {
            need.add("CAP_SYS_PTRACE");
        }
        List<String> lacking = new ArrayList<>();
        for (String cap : need) {
            if ((effective & (1L << NUMBERS.get(cap))) == 0) {
                lacking.add(cap);
            }
        }
        return lacking;
    }

    /**
     * Refuses to go on without what eBPF attachment and namespace discovery need; warns, in one
     * line, when what naming other users' listeners needs is missing, and goes on.
     *
     * @param command "watch" or "agent", for the message
     * @param warn where the identity warning goes (stderr)
     * @throws ProbeException naming each missing capability, why it is needed and how to grant it
     */
    public static void require(String command, boolean allNamespaces, Consumer<String> warn) throws ProbeException {
        long effective = Privileges.effectiveCapabilities();
        List<String> lacking = missing(effective, KernelRelease.running(), allNamespaces);
        if (lacking.isEmpty()) {
            String w = identityWarning(command, missingForIdentity(effective));
            if (w != null) {
                warn.accept(w);
            }
            return;
        }
        StringBuilder why = new StringBuilder();
        for (String cap : lacking) {
            why.append(why.length() == 0 ? "" : "; ").append(cap).append(" is needed to ")
                    .append(WHY.getOrDefault(cap, "load BPF programs on kernels before 5.8, which have no CAP_BPF"));
        }
        String grant = String.join(",", lacking.stream().map(c -> c.substring(4).toLowerCase()).toList());
        throw new ProbeException("missing capabilit" + (lacking.size() == 1 ? "y " : "ies ") + String.join(" and ", lacking)
                + " (" + why + ")", 1,
                "run as root, or grant " + String.join(" ", lacking) + " to the " + command + " process: systemd "
                        + "AmbientCapabilities=, Kubernetes securityContext.capabilities.add (the syndrop image's java takes them"
                        + " as file capabilities: keep allowPrivilegeEscalation true, no-new-privileges off), or setpriv --inh-caps=+"
                        + grant + " --ambient-caps=+" + grant + " (the whole set is in docs/privileges.md)"
                        + (lacking.contains("CAP_SYS_PTRACE") && lacking.size() == 1
                        ? "; or give --netns to watch one namespace" : "; or --backend counters for counters only"));
    }

    /** The one warning line for capabilities identity lacks, or null when it lacks none. */
    static String identityWarning(String command, List<String> lacking) {
        if (lacking.isEmpty()) {
            return null;
        }
        String grant = String.join(",", lacking.stream().map(c -> "+" + c.substring(4).toLowerCase()).toList());
        return "syndrop " + command + ": warning: missing capabilit" + (lacking.size() == 1 ? "y " : "ies ")
                + String.join(" and ", lacking) + ": listeners of other users stay unnamed (listing their /proc/PID/fd"
                + " needs CAP_DAC_READ_SEARCH, reading its links CAP_SYS_PTRACE); drops still flow. Grant "
                + String.join(" ", lacking) + " (setpriv --inh-caps=" + grant + " --ambient-caps=" + grant
                + "; docs/privileges.md) to name them";
    }

    private static Map<String, String> load() {
        Map<String, String> m = new LinkedHashMap<>();
        try (InputStream in = AgentCapabilities.class.getResourceAsStream("agent-capabilities.txt")) {
            if (in == null) {
                throw new IllegalStateException("io/syndrop/probe/agent-capabilities.txt is missing from the jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                String[] parts = t.split("\\s+", 3);
                if (!NUMBERS.containsKey(parts[0]) || parts.length < 3
                        || !(parts[1].equals("required") || parts[1].equals("identity"))) {
                    throw new IllegalStateException("agent-capabilities.txt: bad line '" + line + "'");
                }
                m.put(parts[0], parts[2]);
                if (parts[1].equals("identity")) {
                    IDENTITY.add(parts[0]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
