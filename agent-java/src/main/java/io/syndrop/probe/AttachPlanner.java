package io.syndrop.probe;

import io.syndrop.bcc.BccAvailability;
import io.syndrop.bcc.BccBackend;
import io.syndrop.filter.EventFilter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks the best attach mode that works on this kernel, best first (fentry, kprobe, tracepoint,
 * then counters), and records why each better mode was not used, so `watch` can say so.
 */
public final class AttachPlanner {
    static final Path BTF = Path.of("/sys/kernel/btf/vmlinux");

    private AttachPlanner() {}

    /** Outcome: the chosen mode, its session (null for counters), and the refusals before it. */
    public record Plan(AttachMode mode, KernelProbe session, List<Refusal> refusals) {
        public String explain() {
            StringBuilder sb = new StringBuilder("attached: " + mode.name().toLowerCase() + " - " + mode.description);
            for (Refusal r : refusals) {
                sb.append("\n  not ").append(r.mode().name().toLowerCase()).append(": ").append(r.why());
            }
            return sb.toString();
        }
    }

    public record Refusal(AttachMode mode, String why) {}

    /**
     * @param forced a mode from --backend, or null for automatic choice
     * @throws ProbeException when a forced mode fails (with the reason and advice)
     */
    public static Plan plan(AttachMode forced, EventFilter filter, int ringbufBytes) throws ProbeException {
        return plan(forced, filter, ringbufBytes, false);
    }

    /** @param libbpfDebug libbpf prints its debug log (verifier output included) to stderr (--libbpf-debug) */
    public static Plan plan(AttachMode forced, EventFilter filter, int ringbufBytes, boolean libbpfDebug) throws ProbeException {
        return plan(forced, filter, ringbufBytes, libbpfDebug, StormSettings.OFF);
    }

    /** @param storm storm summaries and the detail rate limit in the kernel ({@link StormSettings#OFF}: none) */
    public static Plan plan(AttachMode forced, EventFilter filter, int ringbufBytes, boolean libbpfDebug,
                            StormSettings storm) throws ProbeException {
        List<Refusal> refusals = new ArrayList<>();
        if (forced != null) {
            if (forced == AttachMode.COUNTERS) {
                return new Plan(forced, null, refusals);
            }
            if (forced == AttachMode.BCC) {
                rootOnly(forced);
                return new Plan(forced, BccProbe.open(filter, storm), refusals);
            }
            preflight(forced);
            return new Plan(forced, ProbeSession.open(forced, options(filter, ringbufBytes, libbpfDebug, storm)), refusals);
        }
        for (AttachMode m : new AttachMode[] {AttachMode.FENTRY, AttachMode.KPROBE, AttachMode.TRACEPOINT}) {
            try {
                preflight(m);
                return new Plan(m, ProbeSession.open(m, options(filter, ringbufBytes, libbpfDebug, storm)), refusals);
            } catch (ProbeException e) {
                refusals.add(new Refusal(m, e.summary()));
            }
        }
        // BCC compiles on the node against its headers: the way in for kernels without BTF.
        if (!Files.isReadable(BTF)) {
            BccAvailability bcc = BccBackend.availability();
            if (bcc.available()) {
                try {
                    rootOnly(AttachMode.BCC);
                    return new Plan(AttachMode.BCC, BccProbe.open(filter, storm), refusals);
                } catch (ProbeException e) {
                    refusals.add(new Refusal(AttachMode.BCC, e.summary()));
                }
            } else {
                refusals.add(new Refusal(AttachMode.BCC, bcc.describe()));
            }
        } else {
            refusals.add(new Refusal(AttachMode.BCC, "not tried: this kernel has BTF, CO-RE is preferred (--backend bcc forces it)"));
        }
        return new Plan(AttachMode.COUNTERS, null, refusals);
    }

    private static ShimOptions options(EventFilter filter, int ringbufBytes, boolean libbpfDebug, StormSettings storm) {
        ShimOptions o = KernelFilter.toOptions(filter, ringbufBytes);
        storm.applyTo(o);
        o.libbpfDebug = libbpfDebug ? 1 : 0;
        return o;
    }

    private static void rootOnly(AttachMode m) throws ProbeException {
        if (!Privileges.isRoot() && !Privileges.hasBpfCapability()) {
            throw new ProbeException(m.name().toLowerCase() + ": not permitted", 1,
                    "syndrop needs root, or CAP_BPF and CAP_PERFMON (docs/privileges.md): run it with sudo");
        }
    }

    private static void preflight(AttachMode m) throws ProbeException {
        rootOnly(m);
        if (!Files.isReadable(BTF)) {
            throw new ProbeException(m.name().toLowerCase() + ": no BTF at " + BTF, 2,
                    "this kernel lacks CONFIG_DEBUG_INFO_BTF; use --backend bcc or --backend counters");
        }
    }
}
