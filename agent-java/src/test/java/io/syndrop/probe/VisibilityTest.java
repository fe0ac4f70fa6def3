package io.syndrop.probe;

import io.syndrop.proto.v1.Reason;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a mode says it cannot see, from the programs the loader attached (the program lists are
 * those the shim attached on each kernel: KernelMatrixChecks prints them in the VM).
 */
class VisibilityTest {
    private static final List<String> FENTRY_HOOKS = List.of("fe_conn_request", "fe_conn_request_exit",
            "fe_peer_is_proven", "fe_timewait", "kp_syn_recv_sock_v4", "fe_syn_recv_sock_v6");

    @Test
    void fentryOn510SeesEverythingButTheKernelsOwnReasons() {
        // 5.10: kfree_skb(skb, location) has no reason, so the shim loads no kfree_skb program.
        Visibility v = Visibility.fromPrograms(AttachMode.FENTRY, FENTRY_HOOKS, false, false);
        assertEquals(List.of(Visibility.NO_KFREE_REASON_BLIND), v.blind());
        assertFalse(v.seen().contains(Reason.KERNEL_REASON));
        assertTrue(v.seen().containsAll(List.of(Reason.PEER_UNPROVEN, Reason.SYN_QUEUE_FULL, Reason.ACCEPT_QUEUE_FULL,
                Reason.TIMEWAIT_PAWS, Reason.CONN_REQUEST_OTHER)), v.toString());
    }

    @Test
    void fentryOn61SeesEveryReason() {
        List<String> attached = new java.util.ArrayList<>(FENTRY_HOOKS);
        attached.add("tp_kfree_skb_noskarg");
        Visibility v = Visibility.fromPrograms(AttachMode.FENTRY, attached, false, false);
        assertEquals(List.of(), v.blind());
        assertTrue(v.seen().contains(Reason.KERNEL_REASON));
    }

    @Test
    void tracepointBefore616IsBlindToTimeWaitPawsAndTheConnRequestDrops() {
        Visibility v = Visibility.fromPrograms(AttachMode.TRACEPOINT, List.of("tp_kfree_skb"), false, true);
        assertEquals(List.of(Visibility.CONN_REQUEST_BLIND, Visibility.TIMEWAIT_BLIND), v.blind());
        assertEquals(java.util.Set.of(Reason.KERNEL_REASON, Reason.ACCEPT_QUEUE_FULL), v.seen());
    }

    @Test
    void tracepointOn618SeesTimeWaitPawsThroughKfreeSkb() {
        // The dedicated hooks stay detached there: kfree_skb names both reasons itself.
        Visibility v = Visibility.fromPrograms(AttachMode.TRACEPOINT, List.of("tp_kfree_skb"), true, true);
        assertEquals(List.of(Visibility.CONN_REQUEST_BLIND), v.blind());
        assertTrue(v.seen().contains(Reason.TIMEWAIT_PAWS));
    }

    @Test
    void countersSeeNoDrop() {
        assertEquals(List.of(Visibility.COUNTERS_BLIND), Visibility.ofMode(AttachMode.COUNTERS).blind());
        assertTrue(Visibility.ofMode(AttachMode.COUNTERS).seen().isEmpty());
    }
}
