package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syndrop.format.Cef;
import io.syndrop.sink.SyslogSink;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Reason;
import io.syndrop.proto.v1.WatchItem;
import org.junit.jupiter.api.Test;

class CefTest {
    /** The kernel's proof: the interface in CEF's own key, flags and backlog labelled, the rest in msg. */
    @Test
    void theProofFieldsAreLabelled() {
        DropEvent e = DropEvent.newBuilder().setReason(Reason.SYN_QUEUE_FULL).setSrcAddr("10.0.0.2").setDstAddr("10.0.0.1")
                .setIfindex(11).setIfname("eth0").setTcpFlags(0x02).setTcpSeq(1000).setTcpWindow(64240).setMss(1460)
                .setWscale(7).setSackPermitted(true).setHasTimestamps(true).setSyncookies(0).setMaxSynBacklog(128)
                .setListenDropsBefore(41).setListenDropsAfter(42).build();
        CefParser p = CefParser.parse(Cef.format(WatchItem.newBuilder().setEvent(e).build()));
        assertEquals("eth0", p.ext.get("deviceInboundInterface"));
        assertEquals("tcpFlags", p.ext.get("flexNumber1Label"));
        assertEquals("2", p.ext.get("flexNumber1"));
        assertEquals("maxSynBacklog", p.ext.get("flexNumber2Label"));
        assertEquals("128", p.ext.get("flexNumber2"));
        assertEquals("SYN seq 1000 win 64240 mss 1460 wscale 7 sack ts; syncookies 0 max_syn_backlog 128; eth0 (ifindex 11); "
                + "ListenDrops 41->42", p.ext.get("msg"));
        CefParser noName = CefParser.parse(Cef.format(WatchItem.newBuilder().setEvent(e.toBuilder().clearIfname()).build()));
        assertEquals("ifindex 11", noName.ext.get("deviceInboundInterface"), "the index until the name is known");
    }

    @Test
    void theListenersProcessContainerAndPodAreNamed() {
        DropEvent e = DropEvent.newBuilder().setReason(Reason.ACCEPT_QUEUE_FULL).setSrcAddr("10.0.0.2").setDstAddr("10.0.0.1")
                .setProcessPid(812).setProcessComm("nginx").setProcessUnit("nginx.service")
                .setContainerId("3f4e5d6c7b8a").setContainerName("controller").setContainerImage("reg/ingress=nginx:v1")
                .setPodNamespace("ingress-nginx").setPodName("ingress-nginx-controller-7d9").build();
        CefParser p = CefParser.parse(Cef.format(WatchItem.newBuilder().setEvent(e).build()));
        assertEquals("nginx", p.ext.get("dproc"));
        assertEquals("812", p.ext.get("dpid"));
        assertEquals("containerId", p.ext.get("cs3Label"));
        assertEquals("3f4e5d6c7b8a", p.ext.get("cs3"));
        assertEquals("pod", p.ext.get("cs4Label"));
        assertEquals("ingress-nginx/ingress-nginx-controller-7d9", p.ext.get("cs4"));
        assertEquals("controller", p.ext.get("cs5"));
        assertEquals("reg/ingress=nginx:v1", p.ext.get("cs6"), "escaped and parsed back");
        assertEquals("containerImage", p.ext.get("cs6Label"));
        assertEquals("nginx.service", p.ext.get("flexString2"));

        CefParser bare = CefParser.parse(Cef.format(WatchItem.newBuilder().setEvent(e.toBuilder().clearProcessPid()
                .clearProcessComm().clearProcessUnit().clearContainerId().clearContainerName().clearContainerImage()
                .clearPodName().clearPodNamespace()).build()));
        for (String k : new String[] {"dproc", "dpid", "cs3", "cs3Label", "cs4Label", "cs5Label", "cs6Label", "flexString2Label"}) {
            assertEquals(null, bare.ext.get(k), k + " only when known");
        }
    }

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

    @Test
    void aSummaryIsOneLineWithItsOwnSignatureCountAndWindow() {
        DropSummary s = DropSummary.newBuilder().setSeq(12).setTimeUnixNano(1_700_000_002_000_000_000L).setNode("node-1")
                .setAgentId("a").setAgentBoot(3).setWindowStartUnixNano(1_700_000_001_000_000_000L)
                .setWindowEndUnixNano(1_700_000_002_000_000_000L).setReason(Reason.ACCEPT_QUEUE_FULL)
                .setNetnsIno(4026531840L).setDstPort(8080).setSrcPrefix("2001:db8:1::/64").setCount(5000).setDetailed(20)
                .setFirstSeenUnixNano(1_700_000_001_250_000_000L).setLastSeenUnixNano(1_700_000_001_750_000_000L).build();
        WatchItem item = WatchItem.newBuilder().setSummary(s).build();
        String line = Cef.format(item);
        CefParser p = CefParser.parse(line);
        assertEquals("SUMMARY_ACCEPT_QUEUE_FULL", p.header.get(4), line);
        assertEquals("5000 SYNs dropped (ACCEPT_QUEUE_FULL) from 2001:db8:1::/64 to port 8080, 4980 not sent in detail", p.header.get(5));
        assertEquals("5000", p.ext.get("cnt"));
        assertEquals("1700000001000", p.ext.get("start"));
        assertEquals("1700000002000", p.ext.get("end"));
        assertEquals("detailed", p.ext.get("cn1Label"));
        assertEquals("20", p.ext.get("cn1"));
        assertEquals("notDetailed", p.ext.get("cn2Label"));
        assertEquals("4980", p.ext.get("cn2"));
        assertEquals("4026531840", p.ext.get("cn3"));
        assertEquals("srcPrefix", p.ext.get("cs2Label"));
        assertEquals("2001:db8:1::/64", p.ext.get("cs2"));
        assertEquals("8080", p.ext.get("dpt"));
        assertEquals("1700000001250", p.ext.get("deviceCustomDate1"));
        assertEquals("lastSeen", p.ext.get("deviceCustomDate2Label"));
        assertEquals("a:3:12", p.ext.get("externalId"));
        assertEquals(null, p.ext.get("cs1Label"), "no kernel reason, no label");
        assertEquals(null, p.ext.get("src"), "a prefix is not CEF's one source address");
        CefParser o = CefParser.parse(Cef.format(WatchItem.newBuilder().setSummary(s.toBuilder().setOverflow(true)
                .clearSrcPrefix().clearDstPort().clearNetnsIno()).build()));
        assertEquals("overflow", o.ext.get("cs3Label"));
        assertEquals("true", o.ext.get("cs3"));
        assertEquals("5000 SYNs dropped (ACCEPT_QUEUE_FULL) of keys that did not fit the kernel's key map, 4980 not sent in detail",
                o.header.get(5));
        assertEquals(null, o.ext.get("dpt"));
        String msg = SyslogSink.message(item);
        assertEquals("<132>1 2023-11-14T22:13:22.000000Z node-1 syndrop - summary - CEF:0|", msg.substring(0, msg.indexOf("syndrop|syndrop")));
    }
}
