package io.syndrop.probe;

import io.syndrop.event.EventLayout;
import io.syndrop.filter.Cidr;
import io.syndrop.filter.EventFilter;
import io.syndrop.proto.v1.Reason;

import java.nio.ByteBuffer;

/**
 * An {@link EventFilter} applied to the kernel's record itself, for the drain's byte path: the
 * same answer {@code EventFilter.matches(DropEvent)} gives for the decoded event (DrainByteFeedTest
 * holds them equal on random records and filters), without decoding it. Only for filters that need
 * nothing the record lacks: a workload filter needs the identity, so it keeps the object path.
 */
final class RecordFilter {
    private final EventFilter f;
    private final byte[] v4 = new byte[4];
    private final byte[] v6 = new byte[16];

    private RecordFilter(EventFilter f) {
        this.f = f;
    }

    /** Null when the filter needs the decoded event (a workload filter). */
    static RecordFilter of(EventFilter f) {
        return f.workload().isAny() ? new RecordFilter(f) : null;
    }

    boolean passesAll() {
        return f.passesAll();
    }

    boolean matches(ByteBuffer b, int off) {
        if (!f.reasons().isEmpty()) {
            Reason r = Reason.forNumber(b.get(off + EventLayout.REASON) & 0xff);
            if (!f.reasons().contains(r == null ? Reason.REASON_UNSPECIFIED : r)) {
                return false;
            }
        }
        if (!f.ports().isEmpty() && !f.ports().contains(b.getShort(off + EventLayout.DPORT) & 0xffff)) {
            return false;
        }
        if (!f.netnsInos().isEmpty() && !f.netnsInos().contains(b.getLong(off + EventLayout.NETNS_INO))) {
            return false;
        }
        if (f.srcCidrs().isEmpty()) {
            return true;
        }
        byte[] src = source(b, off);
        for (Cidr c : f.srcCidrs()) {
            if (c.contains(src)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The source address as Cidr.contains(String) reads the event's text: IPv4, IPv6, and an
     * IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it maps, as InetAddress does.
     */
    private byte[] source(ByteBuffer b, int off) {
        int at = off + EventLayout.SADDR;
        if ((b.get(off + EventLayout.FLAGS) & EventLayout.F_IPV6) == 0) {
            b.get(at, v4);
            return v4;
        }
        b.get(at, v6);
        boolean mapped = v6[10] == (byte) 0xff && v6[11] == (byte) 0xff;
        for (int i = 0; i < 10 && mapped; i++) {
            mapped = v6[i] == 0;
        }
        if (mapped) {
            System.arraycopy(v6, 12, v4, 0, 4);
            return v4;
        }
        return v6;
    }
}
