package io.syndrop.collector;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what the collector logs (java.util.logging, package io.syndrop), to assert refusals are logged. */
final class LogCapture extends Handler implements AutoCloseable {
    final List<String> messages = new CopyOnWriteArrayList<>();
    private final Logger logger = Logger.getLogger("io.syndrop");

    LogCapture() {
        logger.addHandler(this);
    }

    @Override
    public void publish(LogRecord r) {
        messages.add(r.getLevel() + " " + r.getMessage());
    }

    boolean any(String... parts) {
        return messages.stream().anyMatch(m -> java.util.Arrays.stream(parts).allMatch(m::contains));
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
