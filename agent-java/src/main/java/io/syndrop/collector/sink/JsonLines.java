package io.syndrop.collector.sink;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.WatchItem;
import java.time.Instant;

/**
 * One JSON object per record. Default: the proto3 JSON mapping of the record (lowerCamelCase
 * names, enums by name) with a leading {@code "type"} of drop, loss or counters. With ECS: Elastic
 * Common Schema names for what ECS has a name for, the rest under {@code syndrop.*}.
 */
public final class JsonLines {
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private final boolean ecs;

    public JsonLines(boolean ecs) {
        this.ecs = ecs;
    }

    public String format(WatchItem item) {
        return ecs ? ecs(item) : proto(item);
    }

    static String type(WatchItem item) {
        if (item.hasEvent()) {
            return "drop";
        }
        return item.hasLoss() ? "loss" : "counters";
    }

    static MessageOrBuilder payload(WatchItem item) {
        if (item.hasEvent()) {
            return item.getEvent();
        }
        return item.hasLoss() ? item.getLoss() : item.getCounters();
    }

    private static String proto(WatchItem item) {
        try {
            String body = PRINTER.print(payload(item));
            String head = "{\"type\":\"" + type(item) + "\"";
            return body.equals("{}") ? head + "}" : head + "," + body.substring(1);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print a record as JSON", e);
        }
    }

    public static String isoTime(long unixNano) {
        return Instant.ofEpochSecond(unixNano / 1_000_000_000L, unixNano % 1_000_000_000L).toString();
    }

    private static String ecs(WatchItem item) {
        JsonObject o = new JsonObject();
        JsonObject event = new JsonObject();
        JsonObject sd = new JsonObject();
        JsonObject agent = new JsonObject();
        JsonObject observer = new JsonObject();
        event.addProperty("kind", item.hasEvent() ? "event" : "metric");
        event.addProperty("module", "syndrop");
        if (item.hasEvent()) {
            DropEvent e = item.getEvent();
            o.addProperty("@timestamp", isoTime(e.getTimeUnixNano()));
            JsonArray cat = new JsonArray();
            cat.add("network");
            event.add("category", cat);
            JsonArray ty = new JsonArray();
            ty.add("denied");
            ty.add("connection");
            event.add("type", ty);
            event.addProperty("action", "tcp-syn-dropped");
            event.addProperty("outcome", "failure");
            event.addProperty("reason", e.getReason().name());
            event.addProperty("dataset", "syndrop.drop");
            event.addProperty("sequence", e.getSeq());
            JsonObject src = new JsonObject();
            src.addProperty("ip", e.getSrcAddr());
            src.addProperty("port", e.getSrcPort());
            o.add("source", src);
            JsonObject dst = new JsonObject();
            dst.addProperty("ip", e.getDstAddr());
            dst.addProperty("port", e.getDstPort());
            o.add("destination", dst);
            JsonObject net = new JsonObject();
            net.addProperty("transport", "tcp");
            net.addProperty("type", e.getSrcAddr().contains(":") ? "ipv6" : "ipv4");
            o.add("network", net);
            observer.addProperty("hostname", e.getNode());
            agent.addProperty("id", e.getAgentId());
            agent.addProperty("ephemeral_id", Long.toUnsignedString(e.getAgentBoot()));
            if (!e.getKernelReason().isEmpty()) {
                sd.addProperty("kernel_reason", e.getKernelReason());
            }
            sd.addProperty("tsval", e.getTsval());
            sd.addProperty("tsecr", e.getTsecr());
            sd.addProperty("cached_ts", e.getCachedTs());
            sd.addProperty("cached_ts_age_sec", e.getCachedTsAgeSec());
            sd.addProperty("netns_ino", e.getNetnsIno());
            sd.addProperty("syn_queue_len", e.getSynQueueLen());
            sd.addProperty("syn_queue_max", e.getSynQueueMax());
            sd.addProperty("accept_queue_len", e.getAcceptQueueLen());
            sd.addProperty("accept_queue_max", e.getAcceptQueueMax());
            sd.addProperty("probe", e.getProbe().name());
        } else if (item.hasLoss()) {
            LossRecord l = item.getLoss();
            o.addProperty("@timestamp", isoTime(l.getTimeUnixNano()));
            event.addProperty("action", "events-lost");
            event.addProperty("reason", l.getStage().name());
            event.addProperty("dataset", "syndrop.loss");
            event.addProperty("sequence", l.getSeq());
            observer.addProperty("hostname", l.getNode());
            agent.addProperty("id", l.getAgentId());
            agent.addProperty("ephemeral_id", Long.toUnsignedString(l.getAgentBoot()));
            sd.addProperty("lost", l.getCount());
            if (!l.getDetail().isEmpty()) {
                sd.addProperty("detail", l.getDetail());
            }
        } else {
            CounterSample c = item.getCounters();
            o.addProperty("@timestamp", isoTime(c.getTimeUnixNano()));
            event.addProperty("action", "counter-sample");
            event.addProperty("dataset", "syndrop.counters");
            event.addProperty("sequence", c.getSeq());
            observer.addProperty("hostname", c.getNode());
            agent.addProperty("id", c.getAgentId());
            agent.addProperty("ephemeral_id", Long.toUnsignedString(c.getAgentBoot()));
            sd.addProperty("netns_ino", c.getNetnsIno());
            JsonObject counters = new JsonObject();
            c.getCountersMap().forEach(counters::addProperty);
            sd.add("counters", counters);
            JsonObject sysctls = new JsonObject();
            c.getSysctlsMap().forEach(sysctls::addProperty);
            sd.add("sysctls", sysctls);
        }
        sd.addProperty("type", type(item));
        o.add("event", event);
        o.add("observer", observer);
        agent.addProperty("type", "syndrop");
        o.add("agent", agent);
        o.add("syndrop", sd);
        JsonObject ecsVer = new JsonObject();
        ecsVer.addProperty("version", "8.11.0");
        o.add("ecs", ecsVer);
        return o.toString();
    }
}
