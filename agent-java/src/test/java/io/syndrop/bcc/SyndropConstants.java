package io.syndrop.bcc;

import io.syndrop.proto.v1.Probe;
import io.syndrop.proto.v1.Reason;

/**
 * Reason and probe bytes the BCC tests check raw records against. Taken from the proto enums, whose
 * numbers HeaderEnumsTest holds equal to bpf/syndrop.h.
 */
final class SyndropConstants {
    static final byte REASON_PEER_UNPROVEN = (byte) Reason.PEER_UNPROVEN_VALUE;
    static final byte REASON_ACCEPT_QUEUE_FULL = (byte) Reason.ACCEPT_QUEUE_FULL_VALUE;
    static final byte REASON_CONN_REQUEST_OTHER = (byte) Reason.CONN_REQUEST_OTHER_VALUE;
    static final byte PROBE_BCC = (byte) Probe.BCC_VALUE;

    private SyndropConstants() {
    }
}
