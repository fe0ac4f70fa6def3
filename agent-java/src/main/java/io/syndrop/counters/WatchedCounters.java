package io.syndrop.counters;

import java.util.List;

/** The kernel counters that tell about dropped SYNs and handshakes, on any kernel that has them. */
public final class WatchedCounters {
    private WatchedCounters() {}

    public static final String LISTEN_DROPS = "TcpExt:ListenDrops";
    public static final String LISTEN_OVERFLOWS = "TcpExt:ListenOverflows";
    /** Kernels before 4.12 only: SYN rejected by the tcp_tw_recycle per-peer timestamp check. */
    public static final String PAWS_PASSIVE = "TcpExt:PAWSPassive";
    /** 6.16+: SYN (or segment) rejected by PAWS on a TIME-WAIT socket. */
    public static final String PAWS_TIMEWAIT = "TcpExt:PAWSTimewait";
    /** Before 6.16 also counts the TIME-WAIT PAWS rejects. */
    public static final String PAWS_ESTAB = "TcpExt:PAWSEstab";
    public static final String PAWS_ACTIVE = "TcpExt:PAWSActive";
    public static final String REQQ_FULL_DROP = "TcpExt:TCPReqQFullDrop";
    public static final String REQQ_FULL_COOKIES = "TcpExt:TCPReqQFullDoCookies";
    public static final String SYNCOOKIES_SENT = "TcpExt:SyncookiesSent";
    public static final String SYNCOOKIES_RECV = "TcpExt:SyncookiesRecv";
    public static final String SYNCOOKIES_FAILED = "TcpExt:SyncookiesFailed";
    public static final String TW_RECYCLED = "TcpExt:TWRecycled";
    public static final String TW_KILLED = "TcpExt:TWKilled";
    public static final String TIMEWAIT_OVERFLOW = "TcpExt:TCPTimeWaitOverflow";
    public static final String PASSIVE_OPENS = "Tcp:PassiveOpens";
    public static final String ATTEMPT_FAILS = "Tcp:AttemptFails";

    /** What the counters backend reports deltas of. */
    public static final List<String> RELEVANT = List.of(
            LISTEN_DROPS, LISTEN_OVERFLOWS, PAWS_PASSIVE, PAWS_TIMEWAIT, PAWS_ESTAB, PAWS_ACTIVE,
            REQQ_FULL_DROP, REQQ_FULL_COOKIES, SYNCOOKIES_SENT, SYNCOOKIES_RECV, SYNCOOKIES_FAILED,
            TW_RECYCLED, TW_KILLED, TIMEWAIT_OVERFLOW, PASSIVE_OPENS, ATTEMPT_FAILS);
}
