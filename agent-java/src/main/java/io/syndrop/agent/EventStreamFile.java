package io.syndrop.agent;

import io.syndrop.proto.v1.DropEvent;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A recorded event stream: DropEvent messages, each preceded by its length as a varint (protobuf's
 * writeDelimitedTo), the format of `--replay FILE`.
 */
public final class EventStreamFile {
    private EventStreamFile() {}

    public static void write(Path file, Iterable<DropEvent> events) throws IOException {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file))) {
            for (DropEvent e : events) {
                e.writeDelimitedTo(os);
            }
        }
    }

    public static List<DropEvent> readAll(Path file) throws IOException {
        List<DropEvent> out = new ArrayList<>();
        try (InputStream is = new BufferedInputStream(Files.newInputStream(file))) {
            DropEvent e;
            while ((e = DropEvent.parseDelimitedFrom(is)) != null) {
                out.add(e);
            }
        }
        return out;
    }
}
