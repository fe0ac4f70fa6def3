package io.syndrop.wire;

import com.google.common.net.InetAddresses;
import io.syndrop.input.UsageException;
import java.net.InetSocketAddress;

/**
 * HOST:PORT and [V6]:PORT as typed on the command line. A host to connect to may be a name (the
 * user asked to reach it, so resolving it is theirs to want); an address to listen on must be an IP
 * literal, so that starting a server never waits on, or depends on, a resolver.
 */
public record HostPort(String host, int port) {
    /** An address to bind: 0.0.0.0:7400, 127.0.0.1:9464, [::]:7400; a host name is a usage error. */
    public static HostPort parseListen(String what, String s) {
        HostPort hp = parse(what, s);
        if (hp.host.indexOf('%') >= 0 || !InetAddresses.isInetAddress(hp.host)) {
            throw new UsageException(what + " expects an IP address to listen on (0.0.0.0, 127.0.0.1, [::]), got '"
                    + hp.host + "': names are not resolved here");
        }
        return hp;
    }

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

    /** The address to bind; only for a HostPort from {@link #parseListen} (or code), never a name. */
    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(InetAddresses.forString(host), port);
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
