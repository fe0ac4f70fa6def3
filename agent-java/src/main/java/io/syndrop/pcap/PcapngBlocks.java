package io.syndrop.pcap;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Encodes the three pcapng blocks syndrop writes (the pcapng draft, draft-ietf-opsawg-pcapng):
 * Section Header, Interface Description and Enhanced Packet, little-endian, each option padded to
 * 32 bits. Hand-written on purpose: Maven Central has no well-kept Java library that writes pcapng
 * without the native libpcap (pcap4j needs libpcap through JNA and writes only classic pcap), and
 * these three blocks are a few dozen lines. The encoder appends to one reused buffer, so a file
 * writer encodes a whole group and writes it with one call.
 */
public final class PcapngBlocks {
    /** LINKTYPE_RAW: the packet starts with an IPv4 or IPv6 header (the version nibble says which). */
    public static final int LINKTYPE_RAW = 101;
    static final int SHB = 0x0A0D0D0A;
    static final int IDB = 0x00000001;
    static final int EPB = 0x00000006;
    static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int OPT_END = 0;
    private static final int OPT_COMMENT = 1;
    private static final int SHB_HARDWARE = 2;
    private static final int SHB_OS = 3;
    private static final int SHB_USERAPPL = 4;
    private static final int IF_NAME = 2;
    private static final int IF_DESCRIPTION = 3;
    private static final int IF_TSRESOL = 9;
    /** Options longer than this are cut (an option's length field is 16 bits; comments stay readable). */
    static final int MAX_OPTION_BYTES = 4096;

    private ByteBuffer buf;

    public PcapngBlocks() {
        buf = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Starts a new section: what follows refers to interfaces described after this block only. */
    public void sectionHeader(String userAppl, String os, String hardware) {
        int start = begin(SHB);
        buf.putInt(BYTE_ORDER_MAGIC).putShort((short) 1).putShort((short) 0);
        buf.putLong(-1L); // section length not known in advance (allowed by the format)
        option(SHB_HARDWARE, hardware);
        option(SHB_OS, os);
        option(SHB_USERAPPL, userAppl);
        end(start);
    }

    /**
     * An interface; the n-th one of a section has id n. Timestamps of its packets are in
     * nanoseconds (if_tsresol 9), its link type {@link #LINKTYPE_RAW}.
     */
    public void interfaceDescription(String name, String description, int snaplen) {
        int start = begin(IDB);
        buf.putShort((short) LINKTYPE_RAW).putShort((short) 0).putInt(snaplen);
        option(IF_NAME, name);
        option(IF_DESCRIPTION, description);
        ensure(8);
        buf.putShort((short) IF_TSRESOL).putShort((short) 1).put((byte) 9).put((byte) 0).putShort((short) 0);
        end(start);
    }

    /** One packet: {@code captured} bytes of it (at most {@code snaplen}), {@code originalLength} on the wire. */
    public void enhancedPacket(int interfaceId, long unixNanos, ByteString captured, int capturedLength, int originalLength, String comment) {
        int start = begin(EPB);
        ensure(20 + capturedLength + 3);
        buf.putInt(interfaceId).putInt((int) (unixNanos >>> 32)).putInt((int) unixNanos);
        buf.putInt(capturedLength).putInt(originalLength);
        captured.substring(0, capturedLength).copyTo(buf);
        pad();
        option(OPT_COMMENT, comment);
        end(start);
    }

    /** Bytes encoded since the last {@link #reset()}. */
    public int size() {
        return buf.position();
    }

    /** The encoded bytes, ready to write (a view: valid until the next call). */
    public ByteBuffer encoded() {
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.flip();
        return b;
    }

    public void reset() {
        buf.clear();
    }

    /** Keeps at most {@code bytes} of buffer after a burst grew it. */
    public void shrinkTo(int bytes) {
        if (buf.capacity() > bytes && buf.position() == 0) {
            buf = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private int begin(int type) {
        ensure(256);
        int start = buf.position();
        buf.putInt(type).putInt(0); // total length patched by end()
        return start;
    }

    private void end(int start) {
        ensure(8);
        buf.putShort((short) OPT_END).putShort((short) 0);
        int total = buf.position() - start + 4;
        buf.putInt(total);
        buf.putInt(start + 4, total);
    }

    private void option(int code, String value) {
        if (value == null || value.isEmpty()) {
            return;
        }
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        int len = Math.min(v.length, MAX_OPTION_BYTES);
        ensure(4 + len + 3);
        buf.putShort((short) code).putShort((short) len).put(v, 0, len);
        pad();
    }

    private void pad() {
        while ((buf.position() & 3) != 0) {
            buf.put((byte) 0);
        }
    }

    private void ensure(int more) {
        if (buf.remaining() >= more + 16) {
            return;
        }
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + more + 256)).order(ByteOrder.LITTLE_ENDIAN);
        buf.flip();
        bigger.put(buf);
        buf = bigger;
    }
}
