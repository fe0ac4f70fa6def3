package io.syndrop.event;

/**
 * Offsets of struct syndrop_event (bpf/syndrop.h). EventLayoutTest compares each of these with
 * offsetof() compiled into libsyndrop.so, so a change on one side without the other fails the build.
 */
public final class EventLayout {
    public static final int SIZE = 256;
    public static final int VERSION = 3;
    /** SYNDROP_PKT_MAX: bytes of the dropped segment's headers kept at {@link #PKT}. */
    public static final int PKT_MAX = 96;

    public static final int KTIME_NS = 0;
    public static final int NETNS_INO = 8;
    public static final int SADDR = 16;
    public static final int DADDR = 32;
    public static final int SPORT = 48;
    public static final int DPORT = 50;
    public static final int REASON = 52;
    public static final int PROBE = 53;
    public static final int FLAGS = 54;
    public static final int TCP_FLAGS = 55;
    public static final int TSVAL = 56;
    public static final int TSECR = 60;
    public static final int CACHED_TS = 64;
    public static final int CACHED_TS_STAMP = 68;
    public static final int KERNEL_REASON = 72;
    public static final int SYN_QLEN = 76;
    public static final int SYN_QMAX = 80;
    public static final int ACCEPT_QLEN = 84;
    public static final int ACCEPT_QMAX = 88;
    public static final int IFINDEX = 92;
    public static final int KTIME_SEC_AT = 96;
    public static final int DROPS_BEFORE = 104;
    public static final int DROPS_AFTER = 108;
    public static final int MAX_SYN_BACKLOG = 112;
    public static final int SYNCOOKIES = 116;
    public static final int PAD = 117;
    public static final int LISTENER_INO = 120;
    public static final int LISTEN_DROPS_BEFORE = 128;
    public static final int LISTEN_DROPS_AFTER = 136;
    public static final int SEQ = 144;
    public static final int ACK_SEQ = 148;
    public static final int WINDOW = 152;
    public static final int MSS = 154;
    public static final int WSCALE = 156;
    public static final int SYN_OPTS = 157;
    public static final int PKT_LEN = 158;
    public static final int PAD2 = 159;
    public static final int PKT = 160;

    /** SYNDROP_F_* */
    public static final int F_IPV6 = 0x1;
    public static final int F_HAS_TS = 0x2;
    public static final int F_HAS_QUEUES = 0x4;
    public static final int F_FINAL_ACK = 0x8;
    public static final int F_WALL_STAMP = 0x10;
    public static final int F_LISTEN_DROPS = 0x20;

    /** SYNDROP_OPT_* (the syn_opts byte) */
    public static final int OPT_MSS = 0x1;
    public static final int OPT_WSCALE = 0x2;
    public static final int OPT_SACK_PERM = 0x4;
    public static final int OPT_TS = 0x8;

    private EventLayout() {}
}
