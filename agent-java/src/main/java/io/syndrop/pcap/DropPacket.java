package io.syndrop.pcap;

import com.google.protobuf.ByteString;
import io.syndrop.proto.v1.DropEvent;

/**
 * What pcapng shows of one {@link DropEvent}: its captured headers (a raw IPv4/IPv6 packet), the
 * length the packet had on the wire, the interface it came in on, and the comment that puts the
 * drop's proof next to the packet in Wireshark.
 */
public final class DropPacket {
    /** The kernel keeps at most this many bytes of the segment (SYNDROP_PKT_MAX); longer input is cut. */
    public static final int SNAPLEN = 96;

    private DropPacket() {}

    /** True when the event carries the dropped segment's headers (some modes cannot capture them). */
    public static boolean hasHeaders(DropEvent e) {
        return !e.getPacketHeaders().isEmpty();
    }

    public static int capturedLength(DropEvent e) {
        return Math.min(e.getPacketHeaders().size(), SNAPLEN);
    }

    /**
     * The packet's length on the wire, from its IP header: IPv4's total length, IPv6's 40 bytes plus
     * the payload length; never less than what was captured (a header that says less is malformed,
     * and Wireshark then flags it itself).
     */
    public static int originalLength(ByteString pkt) {
        int captured = Math.min(pkt.size(), SNAPLEN);
        if (pkt.size() < 1) {
            return captured;
        }
        int version = (pkt.byteAt(0) & 0xff) >> 4;
        int len = captured;
        if (version == 4 && pkt.size() >= 4) {
            len = u16(pkt, 2);
        } else if (version == 6 && pkt.size() >= 6) {
            len = 40 + u16(pkt, 4);
        }
        return Math.max(len, captured);
    }

    private static int u16(ByteString b, int off) {
        return (b.byteAt(off) & 0xff) << 8 | (b.byteAt(off + 1) & 0xff);
    }

    /** The interface's name in the capture: the device and its namespace, e.g. {@code eth0@netns:4026532246}. */
    public static String interfaceName(DropEvent e) {
        String dev = !e.getIfname().isEmpty() ? e.getIfname() : e.getIfindex() != 0 ? "ifindex" + e.getIfindex() : "unknown";
        return dev + "@netns:" + Long.toUnsignedString(e.getNetnsIno());
    }

    /** The interface's description: which node and namespace it belongs to (namespace inodes repeat across nodes). */
    public static String interfaceDescription(DropEvent e) {
        return "syndrop: node " + (e.getNode().isEmpty() ? "unknown" : e.getNode())
                + ", network namespace inode " + Long.toUnsignedString(e.getNetnsIno())
                + ", device " + (e.getIfname().isEmpty() ? "(name unknown)" : e.getIfname())
                + " ifindex " + Integer.toUnsignedString(e.getIfindex());
    }

    /**
     * The packet's comment: why it was dropped and the proof, as {@code key=value} words so it can be
     * filtered on in Wireshark ({@code frame.comment contains "TIMEWAIT_PAWS"}).
     */
    public static String comment(DropEvent e) {
        return comment(e, false);
    }

    /** @param withDevice also name the device ({@code device=eth0@netns:N}): for packets on the shared overflow interface */
    public static String comment(DropEvent e, boolean withDevice) {
        StringBuilder b = new StringBuilder(192);
        b.append("syndrop drop reason=").append(e.getReason().name());
        if (!e.getKernelReason().isEmpty()) {
            b.append(" kernel_reason=").append(e.getKernelReason());
        }
        b.append(e.getFinalAck() ? " segment=final_ack" : "");
        b.append(" tsval=").append(Integer.toUnsignedString(e.getTsval()));
        b.append(" tsecr=").append(Integer.toUnsignedString(e.getTsecr()));
        b.append(" cached_ts=").append(Integer.toUnsignedString(e.getCachedTs()));
        if (e.getCachedTsAgeSec() != 0) {
            b.append(" cached_ts_age_sec=").append(Integer.toUnsignedString(e.getCachedTsAgeSec()));
        }
        b.append(" tcp_seq=").append(Integer.toUnsignedString(e.getTcpSeq()));
        b.append(" event_seq=").append(Long.toUnsignedString(e.getSeq()));
        b.append(" agent=").append(e.getAgentId());
        b.append(" boot=").append(Long.toUnsignedString(e.getAgentBoot()));
        if (!e.getProcessComm().isEmpty()) {
            b.append(" process=").append(e.getProcessComm()).append('/').append(e.getProcessPid());
        }
        if (!e.getPodName().isEmpty()) {
            b.append(" pod=").append(e.getPodNamespace()).append('/').append(e.getPodName());
        }
        if (withDevice) {
            b.append(" device=").append(interfaceName(e)).append(" node=").append(e.getNode());
        }
        return b.toString();
    }
}
