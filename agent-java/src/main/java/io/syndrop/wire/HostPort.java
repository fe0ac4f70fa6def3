package io.syndrop.wire;

import io.syndrop.cli.UsageException;
import java.net.InetSocketAddress;

/** HOST:PORT and [V6]:PORT as typed on the command line. */
public record HostPort(String host, int port) {
    public static HostPort parse(String what, String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new UsageException(what + " expects HOST:PORT, got '" + s + "'");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new HostPort(host, port);
        } catch (NumberFormatException e) {
            throw new UsageException(what + " expects a port number 0-65535 after ':', got '" + s + "'");
        }
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
