package io.syndrop.bcc;

/** Values from bpf/syndrop.h the BCC tests check records against. */
final class SyndropConstants {
    static final byte REASON_PEER_UNPROVEN = 1;
    static final byte REASON_ACCEPT_QUEUE_FULL = 4;
    static final byte REASON_CONN_REQUEST_OTHER = 6;
    static final byte PROBE_BCC = 4;

    private SyndropConstants() {
    }
}
