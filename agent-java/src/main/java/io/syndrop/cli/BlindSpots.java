package io.syndrop.cli;

import io.syndrop.probe.AttachMode;

/** What each attach mode cannot see, said when it starts so that silence is never taken for health. */
final class BlindSpots {
    private BlindSpots() {}

    /** The sentence for {@code mode}, or null when it sees every drop this kernel can make. */
    static String of(AttachMode mode) {
        return switch (mode) {
            case TRACEPOINT -> "tracepoint mode cannot see SYNs dropped inside tcp_conn_request (SYN or accept "
                    + "queue full, unproven peer): the kernel consumes them without a tracepoint";
            case COUNTERS -> "counters mode sees counter changes only: no addresses, ports or per-drop cause";
            default -> null;
        };
    }
}
