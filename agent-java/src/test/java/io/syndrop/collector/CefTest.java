package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syndrop.format.Cef;
import io.syndrop.sink.SyslogSink;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Reason;
import io.syndrop.proto.v1.WatchItem;
import org.junit.jupiter.api.Test;

class CefTest {
    @Test
    void escapesHeaderAndExtensionSpecials() {
        DropEvent e = DropEvent.newBuilder().setReason(Reason.KERNEL_REASON).setKernelReason("TCP|ODD\\NAME=x")
                .setSrcAddr("10.0.0.2").setSrcPort(40000).setDstAddr("10.0.0.1").setDstPort(80).setNode("host a")
                .setAgentId("a=b").setAgentBoot(5).setSeq(9).setTimeUnixNano(1_700_000_000_123_000_000L).build();
        String cef = Cef.format(WatchItem.newBuilder().setEvent(e).build());
        CefParser p = CefParser.parse(cef);
        assertEquals("KERNEL_REASON", p.header.get(4));
        assertEquals("SYN dropped: TCP|ODD\\NAME=x", p.header.get(5), cef);
        assertEquals("TCP|ODD\\NAME=x", p.ext.get("cs1"), cef);
        assertEquals("a=b:5:9", p.ext.get("externalId"), cef);
        assertEquals("1700000000123", p.ext.get("rt"));
        assertEquals("host a", p.ext.get("dvchost"));
        String msg = SyslogSink.message(WatchItem.newBuilder().setEvent(e).build());
        assertEquals("<132>1 2023-11-14T22:13:20.123000Z host_a syndrop - drop - CEF:0|syndrop|syndrop|", msg.substring(0, msg.indexOf(Cef.VERSION)));
        String loss = Cef.format(WatchItem.newBuilder().setLoss(LossRecord.newBuilder().setStage(LossRecord.Stage.AGENT_QUEUE)
                .setCount(12).setDetail("line1\nline2").build()).build());
        CefParser lp = CefParser.parse(loss);
        assertEquals("LOSS_AGENT_QUEUE", lp.header.get(4));
        assertEquals("12", lp.ext.get("cnt"));
        assertEquals("line1\nline2", lp.ext.get("msg"));
    }
}
