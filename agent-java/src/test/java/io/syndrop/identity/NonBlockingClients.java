package io.syndrop.identity;

import io.syndrop.demo.Netns;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Clients that send a SYN from a namespace and do not wait: what fills a listener's accept queue
 * (its final ACKs then overflow it) or hits a closed port. The caller closes them.
 */
public final class NonBlockingClients {
    private NonBlockingClients() {
    }

    public static List<SocketChannel> open(Netns from, InetSocketAddress to, int n) throws Exception {
        return from.call(() -> {
            List<SocketChannel> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SocketChannel c = SocketChannel.open();
                c.configureBlocking(false);
                c.connect(to);
                out.add(c);
            }
            return out;
        });
    }
}
