package io.syndrop.format;

import io.syndrop.proto.v1.CounterSample;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.LossRecord;

/**
 * The proto3 JSON mapping of events, one object per line. Fields with zero values are printed too,
 * so that every line carries the same stable set of field names for SIEM parsers.
 */
public final class EventJson {
    private EventJson() {}

    public static String line(DropEvent e) {
        JsonBytes o = new JsonBytes(512);
        RecordJson.drop(o, e, true, null);
        return o.toString();
    }

    public static String line(LossRecord l) {
        JsonBytes o = new JsonBytes(256);
        RecordJson.loss(o, l, true, null);
        return o.toString();
    }

    public static String line(CounterSample c) {
        JsonBytes o = new JsonBytes(1024);
        RecordJson.counters(o, c, true, null);
        return o.toString();
    }

    /**
     * A storm summary, led by {@code "type":"summary"}: in a stream of DropEvent lines (watch
     * --json) the type tells it apart, and proto3 JSON parsers that ignore unknown fields read the
     * rest as the DropSummary it is.
     */
    public static String line(DropSummary s) {
        JsonBytes o = new JsonBytes(512);
        RecordJson.summary(o, s, true, "summary");
        return o.toString();
    }
}
