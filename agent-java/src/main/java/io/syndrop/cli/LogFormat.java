package io.syndrop.cli;

/** One line per log record on stderr: time, level, message (set before any logger is created). */
final class LogFormat {
    private LogFormat() {}

    static void install() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %5$s%6$s%n");
        }
    }
}
