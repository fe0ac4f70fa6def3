package io.syndrop.metrics;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** Serves {@link Metrics} at /metrics over plain HTTP; bind it to loopback or a management network. */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;

    public MetricsServer(InetSocketAddress listen, Metrics metrics) throws IOException {
        server = HttpServer.create(listen, 16);
        server.createContext("/metrics", ex -> {
            byte[] body = metrics.render().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(405, -1);
                ex.close();
                return;
            }
            ex.sendResponseHeaders(200, ex.getRequestMethod().equals("HEAD") ? -1 : body.length);
            if (!ex.getRequestMethod().equals("HEAD")) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(body);
                }
            }
            ex.close();
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
