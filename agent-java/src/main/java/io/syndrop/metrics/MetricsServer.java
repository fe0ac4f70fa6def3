package io.syndrop.metrics;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Serves {@link Metrics} at /metrics (the Prometheus client's exporter, with the JVM's and the
 * process's own metrics added), and the probes an orchestrator polls: /healthz answers 200 while the
 * process runs, /readyz 200 once {@link #markReady} was called (the agent attached, the collector
 * serving) and 503 before and after. Bind it to loopback or a management network: it has no
 * authentication.
 */
public final class MetricsServer implements AutoCloseable {
    private final HTTPServer server;
    private volatile boolean ready;

    /** {@code listen} must hold an IP address (HostPort.parseListen): no name is resolved here. */
    public MetricsServer(InetSocketAddress listen, Metrics metrics) throws IOException {
        if (listen.isUnresolved()) {
            throw new IllegalArgumentException("metrics listen address must be an IP literal, got " + listen.getHostString());
        }
        // Registers once per registry; a second server on the same Metrics reuses it.
        JvmMetrics.builder().register(metrics.registry());
        server = HTTPServer.builder()
                .inetAddress(listen.getAddress())
                .port(listen.getPort())
                .registry(metrics.registry())
                .defaultHandler(this::probe)
                .buildAndStart();
    }

    /** /readyz answers 200 from now on. */
    public void markReady() {
        ready = true;
    }

    /** /readyz answers 503 from now on (shutting down). */
    public void markNotReady() {
        ready = false;
    }

    public int port() {
        return server.getPort();
    }

    private void probe(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            int status;
            String body;
            if (path.equals("/healthz")) {
                status = 200;
                body = "ok\n";
            } else if (path.equals("/readyz")) {
                status = ready ? 200 : 503;
                body = ready ? "ready\n" : "not ready\n";
            } else {
                status = 404;
                body = "not found: try /metrics, /healthz or /readyz\n";
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(status, head ? -1 : b.length);
            if (!head) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(b);
                }
            }
        }
    }

    @Override
    public void close() {
        markNotReady();
        server.close();
    }
}
