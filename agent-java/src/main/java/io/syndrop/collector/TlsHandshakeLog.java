package io.syndrop.collector;

import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.SSLHandshakeException;

/**
 * grpc-netty reports a failed TLS handshake only at FINE level and without advice, so a plaintext
 * client knocking on the TLS port, or a client that does not trust this collector's certificate,
 * left no trace in the collector's log. This handler turns those records into one warning that says
 * what to fix (at most one per cause every 10 s, with the count of the ones it folded in).
 * Client certificates this collector refuses are logged by {@link LoggingTrustManager} instead.
 *
 * <p>The exception reaches grpc-netty's FINE log of its channel handler (the negotiator's own
 * record carries only engine details). These are grpc-netty's internal log records: if an upgrade
 * changes them, CollectorSecurityTest fails on the missing warning.
 */
final class TlsHandshakeLog extends Handler {
    private static final Logger LOG = Logger.getLogger(CollectorServer.class.getName());
    private static final long QUIET_NANOS = 10_000_000_000L;

    // Held strongly: java.util.logging keeps loggers only weakly, and the level must stick.
    private final Logger handlerLog = Logger.getLogger("io.grpc.netty.WriteBufferingAndExceptionHandler");
    private final Level previousLevel;
    private final LongAdder refused;
    private final Throttle plaintext = new Throttle();
    private final Throttle distrusted = new Throttle();

    private static final class Throttle {
        long lastNanos = Long.MIN_VALUE;
        long folded;
    }

    TlsHandshakeLog(LongAdder refused) {
        this.refused = refused;
        previousLevel = handlerLog.getLevel();
        handlerLog.setLevel(Level.FINE);
        handlerLog.addHandler(this);
    }

    @Override
    public void publish(LogRecord r) {
        Throwable t = r.getThrown();
        if (t == null) {
            return;
        }
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getClass().getSimpleName().equals("NotSslRecordException")) {
                refused.increment();
                warn(plaintext, "refused a connection that does not speak TLS: a plaintext client (started with --insecure?) "
                        + "reached this TLS collector; give that client --ca CA_FILE (and --cert/--key for mutual TLS) instead of --insecure");
                return;
            }
            if (c instanceof SSLHandshakeException && c.getMessage() != null && c.getMessage().contains("Received fatal alert")) {
                refused.increment();
                warn(distrusted, "a client broke off the TLS handshake (" + c.getMessage() + "): it probably does not trust this "
                        + "collector's certificate; give it the CA that signed --tls-cert with --ca, and check the name it connects to is in the certificate");
                return;
            }
        }
    }

    private synchronized void warn(Throttle th, String message) {
        long now = System.nanoTime();
        if (th.lastNanos != Long.MIN_VALUE && now - th.lastNanos < QUIET_NANOS) {
            th.folded++;
            return;
        }
        LOG.warning(message + (th.folded > 0 ? " (" + th.folded + " more like this since the last message)" : ""));
        th.lastNanos = now;
        th.folded = 0;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        handlerLog.removeHandler(this);
        handlerLog.setLevel(previousLevel);
    }
}
