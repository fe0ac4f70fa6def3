package io.syndrop.probe;

import io.syndrop.filter.EventFilter;
import io.syndrop.proto.v1.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On the guest kernel of a {@link KernelMatrixVmTest} boot: the kernel has BTF, the one CO-RE
 * object loads in every mode the kernel allows, and what each mode says it sees
 * ({@link Visibility}, which watch prints at start) follows from this kernel's own BTF as bpftool
 * reads it: kfree_skb's arguments and its drop-reason names. A refusal fails with the loader's
 * reason. Prints one "kernel-matrix:" line per mode, the README's per-kernel table is made of them.
 */
class KernelMatrixChecks {
    private static final Set<Reason> CONN_REQUEST = EnumSet.of(Reason.PEER_UNPROVEN, Reason.SYN_QUEUE_FULL,
            Reason.ACCEPT_QUEUE_FULL, Reason.CONN_REQUEST_OTHER);
    private static KernelBtf btf;
    private static int kfreeArgs;

    @BeforeAll
    static void inTheVm() throws Exception {
        ProbeScenarios.requireVm();
        readTheKernelsBtf();
    }

    static synchronized void readTheKernelsBtf() throws Exception {
        if (btf != null) {
            return;
        }
        btf = KernelBtf.read();
        kfreeArgs = btf.tracepointArgs("kfree_skb");
        System.out.printf("kernel-matrix: release=%s btf=yes kfree_skb_args=%d drop_reasons=%s tw_paws_reason=%s listen_overflow_reason=%s%n",
                KernelRelease.running(), kfreeArgs, hasReasons(), twPawsReason(), overflowReason());
    }

    private static boolean hasReasons() {
        return kfreeArgs >= 3 && btf.hasEnumerator("skb_drop_reason", "SKB_DROP_REASON_NO_SOCKET");
    }

    private static boolean twPawsReason() {
        return btf.hasEnumerator("skb_drop_reason", "SKB_DROP_REASON_TCP_RFC7323_TW_PAWS");
    }

    private static boolean overflowReason() {
        return btf.hasEnumerator("skb_drop_reason", "SKB_DROP_REASON_TCP_LISTEN_OVERFLOW");
    }

    @Test
    void fentryLoadsAndSeesEveryReasonThisKernelCanName() throws Exception {
        Visibility v = attach(AttachMode.FENTRY);
        expectFullHooks(v);
    }

    @Test
    void kprobeLoadsAndSeesEveryReasonThisKernelCanName() throws Exception {
        Visibility v = attach(AttachMode.KPROBE);
        expectFullHooks(v);
    }

    /** tp_btf kfree_skb alone: refused without drop reasons (before 5.17), else blind to tcp_conn_request. */
    @Test
    void tracepointModeLoadsWhereKfreeSkbHasAReason() throws Exception {
        checkTracepointMode();
    }

    /** Also run on the host's kernel ({@link HostVisibilityTest}). */
    static void checkTracepointMode() throws Exception {
        readTheKernelsBtf();
        if (kfreeArgs < 3) {
            ProbeException refused = null;
            try {
                attach(AttachMode.TRACEPOINT).mode();
            } catch (ProbeException e) {
                refused = e;
            }
            assertTrue(refused != null, "kfree_skb has " + kfreeArgs + " arguments (no reason): tracepoint mode must be refused");
            assertTrue(refused.getMessage().contains("no drop reason"), "refused with the reason: " + refused.getMessage());
            System.out.printf("kernel-matrix: release=%s mode=tracepoint refused: %s%n", KernelRelease.running(),
                    refused.getMessage().replace('\n', ' '));
            return;
        }
        Visibility v = attach(AttachMode.TRACEPOINT);
        List<String> blind = new ArrayList<>(List.of(Visibility.CONN_REQUEST_BLIND));
        if (!twPawsReason()) {
            blind.add(Visibility.TIMEWAIT_BLIND);
        }
        if (!overflowReason()) {
            blind.add(Visibility.FINAL_ACK_BLIND);
        }
        assertEquals(blind, v.blind(), "what tracepoint mode says it cannot see on this kernel");
        assertTrue(v.seen().contains(Reason.KERNEL_REASON), v.toString());
        assertEquals(twPawsReason(), v.seen().contains(Reason.TIMEWAIT_PAWS), v.toString());
        assertTrue(v.seen().stream().noneMatch(r -> r != Reason.KERNEL_REASON && r != Reason.TIMEWAIT_PAWS
                && r != Reason.ACCEPT_QUEUE_FULL), "nothing from inside tcp_conn_request: " + v);
    }

    private static void expectFullHooks(Visibility v) {
        assertTrue(v.seen().containsAll(CONN_REQUEST), "every tcp_conn_request reason: " + v);
        assertTrue(v.seen().contains(Reason.TIMEWAIT_PAWS), v.toString());
        assertEquals(hasReasons(), v.seen().contains(Reason.KERNEL_REASON),
                "KERNEL_REASON exactly where kfree_skb has a drop reason (" + kfreeArgs + " arguments): " + v);
        assertEquals(hasReasons() ? List.of() : List.of(Visibility.NO_KFREE_REASON_BLIND), v.blind(),
                "what " + v.mode() + " says it cannot see on this kernel");
    }

    /** Loads and attaches the mode (a refusal fails the test with the loader's reason), reads what it sees, detaches. */
    private static Visibility attach(AttachMode mode) throws ProbeException {
        EventFilter all = new EventFilter(List.of(), List.of(), List.of(), EnumSet.noneOf(Reason.class));
        AttachPlanner.Plan plan = AttachPlanner.plan(mode, all, 0);
        try (KernelProbe p = plan.session()) {
            assertEquals(mode, p.mode(), plan.explain());
            Visibility v = Visibility.of(p);
            System.out.printf("kernel-matrix: release=%s mode=%s attached=%s seen=%s blind=%d%s%n", KernelRelease.running(),
                    mode.name().toLowerCase(), p.programs().stream().map(s -> s.name() + "(" + s.section() + ")").toList(),
                    v.seen(), v.blind().size(), v.blind().isEmpty() ? "" : " " + v.blind());
            return v;
        }
    }
}
