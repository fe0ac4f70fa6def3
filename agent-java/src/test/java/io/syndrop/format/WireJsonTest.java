package io.syndrop.format;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.WatchItem;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JSON written from an event's bytes must be the JSON sink's line of the parsed event (the
 * collector's parse path: Batch parsed, the batch's agent id/boot/node filled in, JsonLines),
 * byte for byte; and whatever it cannot write exactly, it must refuse without writing anything.
 */
class WireJsonTest {
    private static final String AGENT = "agent-b";
    private static final long BOOT = 1795818243562542898L;
    private static final String NODE = "node-b";

    /** What the collector's parse path writes for these bytes. */
    static String parsePath(byte[] bytes) throws Exception {
        DropEvent e = DropEvent.parseFrom(bytes);
        if (e.getAgentId().isEmpty() || e.getAgentBoot() == 0 || e.getNode().isEmpty()) { // as collector.Batches.fill
            DropEvent.Builder b = e.toBuilder().setAgentId(AGENT).setAgentBoot(BOOT);
            if (b.getNode().isEmpty()) {
                b.setNode(NODE);
            }
            e = b.build();
        }
        JsonBytes o = new JsonBytes(64);
        new JsonLines(false).append(o, WatchItem.newBuilder().setEvent(e).build());
        return o.toString();
    }

    /** Through one buffer reset between lines, as the sink reuses it (its number caches live on). */
    static String bytePath(WireJson w, JsonBytes o, byte[] bytes) {
        o.reset();
        assertTrue(w.drop(o, bytes, 0, bytes.length, AGENT, BOOT, NODE), "refused " + ByteString.copyFrom(bytes));
        o.raw('\n');
        return o.toString();
    }

    /** The event without its seq, then the seq, as the agent's batcher writes it. */
    static byte[] seqAppended(DropEvent e) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        e.toBuilder().clearSeq().build().writeTo(out);
        CodedOutputStream c = CodedOutputStream.newInstance(out);
        c.writeUInt64(DropEvent.SEQ_FIELD_NUMBER, e.getSeq());
        c.flush();
        return out.toByteArray();
    }

    @Test
    void randomEventsAsTheParsePathWritesThem() throws Exception {
        Random r = new Random(20261204);
        WireJson w = new WireJson();
        JsonBytes o = new JsonBytes(64); // one buffer for all, as a sink uses it (and its caches)
        for (int i = 0; i < 20_000; i++) {
            DropEvent e = RecordJsonTest.randomEvent(r);
            byte[] bytes = switch (i % 3) {
                case 0 -> e.toByteArray();
                case 1 -> seqAppended(e);
                default -> concat(RecordJsonTest.randomEvent(r).toByteArray(), e.toByteArray()); // merged: last wins
            };
            assertEquals(parsePath(bytes), bytePath(w, o, bytes), "event " + i);
        }
    }

    @Test
    void unknownFieldsWrongWireTypesAndBadUtf8AreRefusedWithNothingWritten() throws Exception {
        DropEvent e = DropEvent.newBuilder().setSeq(1).setSrcAddr("10.0.0.1").setNode("n").setAgentId("a").setAgentBoot(2).build();
        byte[][] refused = {
            concat(e.toByteArray(), tagged(60, 7)),                          // a field from a newer schema
            concat(e.toByteArray(), new byte[] {(byte) (2 << 3 | 2), 1, 'x'}), // time_unix_nano as bytes
            concat(e.toByteArray(), new byte[] {(byte) (6 << 3 | 2), 2, (byte) 0xc3, (byte) 0x28}), // invalid UTF-8
            concat(e.toByteArray(), new byte[] {(byte) (6 << 3 | 2), 5, 'a'}), // truncated
            concat(e.toByteArray(), new byte[] {(byte) 0x80}),                 // truncated tag
        };
        WireJson w = new WireJson();
        for (byte[] b : refused) {
            JsonBytes o = new JsonBytes(16).raw("x");
            assertFalse(w.drop(o, b, 0, b.length, AGENT, BOOT, NODE), ByteString.copyFrom(b).toString());
            assertEquals("x", o.toString(), "nothing written for a refused event");
        }
        // After a refusal the same instance still writes the next event right.
        JsonBytes o = new JsonBytes(16);
        assertEquals(parsePath(e.toByteArray()), bytePath(w, o, e.toByteArray()));
    }

    @Test
    void anEventInTheMiddleOfAnArray() throws Exception {
        DropEvent e = RecordJsonTest.randomEvent(new Random(1));
        byte[] inner = e.toByteArray();
        byte[] a = concat(new byte[] {9, 9, 9}, inner, new byte[] {9});
        JsonBytes o = new JsonBytes(16);
        assertTrue(new WireJson().drop(o, a, 3, inner.length, AGENT, BOOT, NODE));
        o.raw('\n');
        assertEquals(parsePath(inner), o.toString());
    }

    private static byte[] tagged(int field, long value) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream c = CodedOutputStream.newInstance(out);
        c.writeUInt64(field, value);
        c.flush();
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
