package io.syndrop.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written JSON must say exactly what protobuf's own JsonFormat says, for any record. */
public class RecordJsonTest {
    private static final String[] STRINGS = {
        "", "10.0.0.1", "fd00::1", "NO_SOCKET", "web-1", "quote\" back\\slash", "tab\tnl\ncr\r", "\u0000\u001f\u007f",
        "<html>&'=", "caf\u00e9 \u4e2d\u6587", "emoji \ud83d\ude00", "line\u2028sep\u2029", "lone \ud800 surrogate"
    };

    private static String pick(Random r) {
        return STRINGS[r.nextInt(STRINGS.length)];
    }

    private static long u64(Random r) {
        switch (r.nextInt(4)) {
            case 0: return 0;
            case 1: return -1L;                 // 2^64-1 as unsigned
            case 2: return r.nextInt(1000);
            default: return r.nextLong();
        }
    }

    private static int u32(Random r) {
        switch (r.nextInt(4)) {
            case 0: return 0;
            case 1: return -1;                  // 2^32-1 as unsigned
            case 2: return r.nextInt(70000);
            default: return r.nextInt();
        }
    }

    public static DropEvent randomEvent(Random r) {
        DropEvent.Builder b = DropEvent.newBuilder()
                .setSeq(u64(r)).setTimeUnixNano(u64(r)).setNode(pick(r)).setReasonValue(r.nextInt(9))
                .setKernelReason(pick(r)).setSrcAddr(pick(r)).setSrcPort(u32(r)).setDstAddr(pick(r)).setDstPort(u32(r))
                .setTsval(u32(r)).setTsecr(u32(r)).setCachedTs(u32(r)).setCachedTsAgeSec(u32(r)).setNetnsIno(u64(r))
                .setSynQueueLen(u32(r)).setSynQueueMax(u32(r)).setAcceptQueueLen(u32(r)).setAcceptQueueMax(u32(r))
                .setProbeValue(r.nextInt(7)).setAgentId(pick(r)).setAgentBoot(u64(r))
                .setListenerIno(u64(r)).setProcessPid(u32(r)).setProcessComm(pick(r)).setProcessExe(pick(r))
                .setProcessUnit(pick(r)).setContainerId(pick(r)).setContainerName(pick(r)).setContainerImage(pick(r))
                .setContainerRuntime(pick(r)).setPodUid(pick(r)).setPodNamespace(pick(r)).setPodName(pick(r))
                .setMaxSynBacklog(u32(r)).setIfindex(u32(r)).setIfname(pick(r)).setTcpFlags(u32(r))
                .setFinalAck(r.nextBoolean()).setTcpSeq(u32(r)).setTcpAck(u32(r)).setTcpWindow(u32(r)).setMss(u32(r))
                .setSackPermitted(r.nextBoolean()).setHasTimestamps(r.nextBoolean())
                .setPacketHeaders(bytes(r));
        // proto3 optional: unset, set to zero (still printed) or set
        if (r.nextInt(3) > 0) {
            b.setSyncookies(r.nextBoolean() ? 0 : u32(r));
        }
        if (r.nextInt(3) > 0) {
            b.setWscale(r.nextBoolean() ? 0 : u32(r));
        }
        if (r.nextInt(3) > 0) {
            b.setListenDropsBefore(r.nextBoolean() ? 0 : u64(r)).setListenDropsAfter(u64(r));
        }
        return b.build();
    }

    /** 0 to 96 random bytes: every base64 tail (no, one or two '=') comes up. */
    private static com.google.protobuf.ByteString bytes(Random r) {
        byte[] b = new byte[r.nextInt(4) == 0 ? 0 : r.nextInt(97)];
        r.nextBytes(b);
        return com.google.protobuf.ByteString.copyFrom(b);
    }

    /** What JsonFormat makes of it; a lone surrogate becomes '?' as String.getBytes(UTF_8) makes it. */
    private static JsonElement reference(Message m, boolean zeros) throws Exception {
        JsonFormat.Printer p = JsonFormat.printer().omittingInsignificantWhitespace();
        if (zeros) {
            p = p.alwaysPrintFieldsWithNoPresence();
        }
        String s = new String(p.print(m).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        return JsonParser.parseString(s);
    }

    private static JsonElement ours(JsonBytes o) {
        return JsonParser.parseString(o.toString());
    }

    @Test
    void dropEventsMatchJsonFormat() throws Exception {
        Random r = new Random(42);
        JsonBytes o = new JsonBytes(16);
        for (int i = 0; i < 5000; i++) {
            DropEvent e = i == 0 ? DropEvent.getDefaultInstance() : randomEvent(r);
            for (boolean zeros : new boolean[] {false, true}) {
                o.reset();
                RecordJson.drop(o, e, zeros, null);
                assertEquals(reference(e, zeros), ours(o), "event " + e + " zeros=" + zeros);
            }
        }
    }

    @Test
    void lossRecordsAndCounterSamplesMatchJsonFormat() throws Exception {
        Random r = new Random(7);
        JsonBytes o = new JsonBytes(16);
        for (int i = 0; i < 2000; i++) {
            LossRecord l = LossRecord.newBuilder().setStageValue(r.nextInt(6)).setCount(u64(r)).setTimeUnixNano(u64(r))
                    .setAgentId(pick(r)).setAgentBoot(u64(r)).setDetail(pick(r)).setSeq(u64(r)).setNode(pick(r)).build();
            CounterSample.Builder cb = CounterSample.newBuilder().setTimeUnixNano(u64(r)).setNode(pick(r)).setNetnsIno(u64(r))
                    .setAgentId(pick(r)).setAgentBoot(u64(r)).setSeq(u64(r));
            for (int k = r.nextInt(4); k > 0; k--) {
                cb.putCounters("TcpExt:" + pick(r) + k, r.nextLong());
                cb.putSysctls("net.ipv4." + pick(r) + k, pick(r));
            }
            CounterSample c = cb.build();
            for (boolean zeros : new boolean[] {false, true}) {
                o.reset();
                RecordJson.loss(o, l, zeros, null);
                assertEquals(reference(l, zeros), ours(o), "loss " + l);
                o.reset();
                RecordJson.counters(o, c, zeros, null);
                assertEquals(reference(c, zeros), ours(o), "counters " + c);
            }
        }
    }

    public static DropSummary randomSummary(Random r) {
        return DropSummary.newBuilder()
                .setSeq(u64(r)).setTimeUnixNano(u64(r)).setNode(pick(r)).setAgentId(pick(r)).setAgentBoot(u64(r))
                .setWindowStartUnixNano(u64(r)).setWindowEndUnixNano(u64(r)).setReasonValue(r.nextInt(9))
                .setKernelReason(pick(r)).setNetnsIno(u64(r)).setDstPort(u32(r)).setSrcPrefix(pick(r))
                .setCount(u64(r)).setDetailed(u64(r)).setFirstSeenUnixNano(u64(r)).setLastSeenUnixNano(u64(r))
                .setOverflow(r.nextInt(4) == 0).build();
    }

    @Test
    void summariesMatchJsonFormat() throws Exception {
        Random r = new Random(18);
        JsonBytes o = new JsonBytes(16);
        for (int i = 0; i < 3000; i++) {
            DropSummary s = i == 0 ? DropSummary.getDefaultInstance() : randomSummary(r);
            for (boolean zeros : new boolean[] {false, true}) {
                o.reset();
                RecordJson.summary(o, s, zeros, null);
                assertEquals(reference(s, zeros), ours(o), "summary " + s + " zeros=" + zeros);
            }
        }
        // watch --json's line: "type" first, then exactly the record, which a proto3 JSON parser
        // that ignores unknown fields reads back (doctor --events does).
        DropSummary s = randomSummary(new Random(4)).toBuilder().setReasonValue(3).setNode("web-1").setAgentId("a\"b")
                .setKernelReason("").setSrcPrefix("198.51.100.0/24").build();
        JsonObject line = JsonParser.parseString(EventJson.line(s)).getAsJsonObject();
        assertEquals("summary", line.remove("type").getAsString());
        assertEquals(reference(s, true), line);
        DropSummary.Builder back = DropSummary.newBuilder();
        JsonFormat.parser().ignoringUnknownFields().merge(EventJson.line(s), back);
        assertEquals(s, back.build());
    }

    @Test
    void typeGoesFirstAndTheRestIsTheRecord() throws Exception {
        DropEvent e = randomEvent(new Random(3));
        JsonBytes o = new JsonBytes();
        RecordJson.drop(o, e, false, "drop");
        String s = o.toString();
        assertEquals("{\"type\":\"drop\"", s.substring(0, 14));
        JsonObject got = JsonParser.parseString(s).getAsJsonObject();
        got.remove("type");
        assertEquals(reference(e, false), got);
    }

    @Test
    void numbersAtTheEdges() {
        JsonBytes o = new JsonBytes(1);
        o.number(0).raw(' ').number(-1).raw(' ').number(Long.MIN_VALUE).raw(' ').number(Long.MAX_VALUE).raw(' ')
                .unsigned(-1L).raw(' ').unsigned(999_999_999_999_999_999L).raw(' ').unsigned(1_000_000_000_000_000_000L).raw(' ')
                .number(Integer.MAX_VALUE).raw(' ').number(Integer.MAX_VALUE + 1L).raw(' ').number(999_999_999).raw(' ')
                .number(1_000_000_000).raw(' ').number(1_000_000_007_000_000_009L);
        assertEquals("0 -1 -9223372036854775808 9223372036854775807 18446744073709551615 999999999999999999 1000000000000000000"
                + " 2147483647 2147483648 999999999 1000000000 1000000007000000009", o.toString());
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < 100_000; i++) {
            long v = r.nextLong() >>> r.nextInt(64);
            o.reset();
            o.number(v).raw(' ').unsigned(-v);
            assertEquals(v + " " + Long.toUnsignedString(-v), o.toString());
        }
    }
}
