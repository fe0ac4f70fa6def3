package io.syndrop.event;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

/**
 * The proto3 JSON mapping of events, one object per line. Fields with zero values are printed too,
 * so that every line carries the same stable set of field names for SIEM parsers.
 */
public final class EventJson {
    private static final JsonFormat.Printer PRINTER =
            JsonFormat.printer().omittingInsignificantWhitespace().alwaysPrintFieldsWithNoPresence();

    private EventJson() {}

    public static String line(MessageOrBuilder m) {
        try {
            return PRINTER.print(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + m.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
