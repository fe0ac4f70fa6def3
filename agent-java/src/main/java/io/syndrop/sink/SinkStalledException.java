package io.syndrop.sink;

import java.io.IOException;

/**
 * A sink made no progress for its timeout: the receiver stopped reading or the route to it
 * black-holes. The connection is already closed; the group is retried on a new one.
 */
public final class SinkStalledException extends IOException {
    public SinkStalledException(String message) {
        super(message);
    }
}
