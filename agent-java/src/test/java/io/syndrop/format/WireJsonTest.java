package io.syndrop.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.WatchItem;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The collector's JSON from an event's bytes must be the JSON sink's line for the parsed event:
 * byte for byte what JsonLines/RecordJson writes, and the same object as protobuf's JsonFormat,
 * for every field 1-49 (RecordJson on main does not write 34-49 yet: those are held to JsonFormat).
 */
class WireJsonTest {
    static DropEvent withProof(DropEvent e, Random r) {
        DropEvent.Builder b = e.toBuilder();
        if (r.nextBoolean()) b.setSyncookies(r.nextInt(3));
        b.setMaxSynBacklog(r.nextInt(3) == 0 ? 0 : r.nextInt());
        b.setIfindex(r.nextInt(3) == 0 ? 0 : r.nextInt(100));
        if (r.nextBoolean()) b.setIfname(r.nextBoolean() ? "eth0" : "caf\u00e9\u2028\"\\");
        b.setTcpFlags(r.nextInt(256)).setFinalAck(r.nextBoolean()).setTcpSeq(r.nextInt()).setTcpAck(r.nextInt())
                .setTcpWindow(r.nextInt(65536)).setMss(r.nextInt(3) == 0 ? 0 : r.nextInt(65536));
        if (r.nextBoolean()) b.setWscale(r.nextInt(15));
        b.setSackPermitted(r.nextBoolean()).setHasTimestamps(r.nextBoolean());
        if (r.nextBoolean()) b.setListenDropsBefore(r.nextInt(3) == 0 ? 0 : r.nextLong()).setListenDropsAfter(r.nextLong());
        int n = r.nextInt(4) == 0 ? 0 : r.nextInt(97);
        byte[] pkt = new byte[n];
        r.nextBytes(pkt);
        b.setPacketHeaders(ByteString.copyFrom(pkt));
        return b.build();
    }

    private static String wire(DropEvent e, boolean fill, String agent, long boot, String node) {
        byte[] bytes = e.toByteArray();
        WireJson.Scan s = new WireJson.Scan();
        assertTrue(WireJson.scan(bytes, 0, bytes.length, s), "scan refused " + e);
        assertEquals(e.getSeq(), s.seq);
        assertEquals(e.getAgentId().isEmpty() || e.getAgentBoot() == 0 || e.getNode().isEmpty(), s.needsFill);
        JsonBytes o = new JsonBytes(16);
        WireJson.drop(o, bytes, 0, bytes.length, "drop", fill, agent, boot, node);
        return o.toString();
    }

    private static String lines(DropEvent e) {
        return new JsonLines(false).format(WatchItem.newBuilder().setEvent(e).build());
    }

    private static JsonElement jsonFormat(DropEvent e) throws Exception {
        com.google.gson.JsonObject o = JsonParser.parseString(JsonFormat.printer().omittingInsignificantWhitespace().print(e)).getAsJsonObject();
        o.addProperty("type", "drop");
        return o;
    }

    @Test
    void sameAsRecordJsonAndJsonFormat() throws Exception {
        Random r = new Random(5);
        for (int i = 0; i < 20_000; i++) {
            DropEvent e = i == 0 ? DropEvent.getDefaultInstance() : RecordJsonTest.randomEvent(r);
            // Through bytes: a lone surrogate is '?' once encoded, on both sides.
            e = DropEvent.parseFrom(e.toByteArray());
            String got = wire(e, false, "", 0, "");
            assertEquals(lines(e), got, "event " + e);
            assertEquals(jsonFormat(e), JsonParser.parseString(got));
            DropEvent p = DropEvent.parseFrom(withProof(e, r).toByteArray());
            assertEquals(jsonFormat(p), JsonParser.parseString(wire(p, false, "", 0, "")), "event " + p);
        }
    }

    @Test
    void fillsAgentBootAndNodeAsTheCollectorDoes() throws Exception {
        Random r = new Random(6);
        String[] ids = {"", "a1", "agent-\u00e9"};
        for (int i = 0; i < 5000; i++) {
            DropEvent.Builder b = RecordJsonTest.randomEvent(r).toBuilder().setAgentId(ids[r.nextInt(3)]).setNode(ids[r.nextInt(3)]);
            if (r.nextBoolean()) b.setAgentBoot(0);
            DropEvent e = DropEvent.parseFrom(b.build().toByteArray());
            String node = ids[r.nextInt(3)];
            long boot = r.nextBoolean() ? 0 : 1_795_000_000_000_000_123L;
            boolean fill = e.getAgentId().isEmpty() || e.getAgentBoot() == 0 || e.getNode().isEmpty();
            DropEvent want = e;
            if (fill) {
                // collector/Batches.fill
                DropEvent.Builder f = e.toBuilder().setAgentId("batch-agent").setAgentBoot(boot);
                if (f.getNode().isEmpty()) f.setNode(node);
                want = f.build();
            }
            assertEquals(lines(want), wire(e, fill, "batch-agent", boot, node), "event " + e + " node " + node);
        }
    }

    @Test
    void refusesWhatItCannotRenderExactly() {
        DropEvent e = DropEvent.newBuilder().setSeq(3).setNode("n").setDstPort(80).build();
        byte[] ok = e.toByteArray();
        WireJson.Scan s = new WireJson.Scan();
        assertTrue(WireJson.scan(ok, 0, ok.length, s));
        // The same fields in another order (parsers accept it; last-wins and order are not ours to guess)
        byte[] reordered = concat(DropEvent.newBuilder().setDstPort(80).build().toByteArray(), DropEvent.newBuilder().setSeq(3).build().toByteArray());
        assertFalse(WireJson.scan(reordered, 0, reordered.length, s));
        // A field twice
        byte[] twice = concat(ok, DropEvent.newBuilder().setDstPort(81).build().toByteArray());
        assertFalse(WireJson.scan(twice, 0, twice.length, s));
        // An unknown field (a newer agent's): field 60, varint
        byte[] unknown = concat(ok, new byte[] {(byte) 0xe0, 0x03, 1});
        assertFalse(WireJson.scan(unknown, 0, unknown.length, s));
        // Invalid UTF-8 in a string, a wrong wire type, a truncated varint, a length past the end
        assertFalse(WireJson.scan(new byte[] {0x1a, 2, (byte) 0xc3, 0x28}, 0, 4, s));
        assertFalse(WireJson.scan(new byte[] {0x1a, 2, (byte) 0xed, (byte) 0xa0}, 0, 4, s));
        assertFalse(WireJson.scan(new byte[] {0x08, 2}, 0, 1, s) && false);
        assertFalse(WireJson.scan(new byte[] {0x1d, 0, 0, 0, 0}, 0, 5, s));
        assertFalse(WireJson.scan(new byte[] {0x08, (byte) 0x80}, 0, 2, s));
        assertFalse(WireJson.scan(new byte[] {0x1a, 5, 'a'}, 0, 3, s));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
