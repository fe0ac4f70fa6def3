package io.syndrop.probe;

/** Offsets of struct syndrop_storm_entry (bpf/syndrop_storm.h): a 32-byte key and a 40-byte value. */
final class StormEntries {
    static final int SIZE = 72;
    static final int NETNS_INO = 0;
    static final int PREFIX = 8;
    static final int KERNEL_REASON = 24;
    static final int DPORT = 28;
    static final int REASON = 30;
    static final int FLAGS = 31;
    static final int COUNT = 32;
    static final int DETAILED = 40;
    static final int FIRST_NS = 48;
    static final int LAST_NS = 56;

    static final int F_IPV6 = 0x1;
    static final int F_OVERFLOW = 0x2;

    private StormEntries() {}
}
