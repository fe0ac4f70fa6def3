package io.syndrop.counters;

import java.io.IOException;

/**
 * A counters or sysctl file that does not have the expected shape. The message names the file and
 * the line so that an operator can look at the exact spot (a truncated copy is the usual cause).
 */
public final class MalformedCountersException extends IOException {
    private final String source;
    private final int line;

    public MalformedCountersException(String source, int line, String problem) {
        super(source + (line > 0 ? " line " + line : "") + ": " + problem);
        this.source = source;
        this.line = line;
    }

    public String source() {
        return source;
    }

    /** 1-based line number, 0 when the problem concerns the whole file. */
    public int line() {
        return line;
    }
}
