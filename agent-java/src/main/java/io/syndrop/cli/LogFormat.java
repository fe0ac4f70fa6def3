package io.syndrop.cli;

/** One line per log record on stderr: time, level, message (set before any logger is created). */
final class LogFormat {
    /** Held: java.util.logging keeps loggers weakly, and a collected one would lose its level. */
    private static final java.util.logging.Logger SYNDROP = java.util.logging.Logger.getLogger("io.syndrop");

    private LogFormat() {}

    /** --verbose: syndrop's FINE records too (the root console handler passes INFO and up only). */
    static synchronized void verbose() {
        if (SYNDROP.getLevel() == java.util.logging.Level.FINE) {
            return;
        }
        java.util.logging.ConsoleHandler h = new java.util.logging.ConsoleHandler();
        h.setLevel(java.util.logging.Level.FINE);
        SYNDROP.setLevel(java.util.logging.Level.FINE);
        SYNDROP.setUseParentHandlers(false);
        SYNDROP.addHandler(h);
    }

    static void install() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %5$s%6$s%n");
        }
    }
}
