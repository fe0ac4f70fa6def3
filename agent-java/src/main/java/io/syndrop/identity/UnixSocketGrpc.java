package io.syndrop.identity;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/** A gRPC channel to a container runtime's unix socket (containerd's own API, the CRI). */
final class UnixSocketGrpc {

    /**
     * grpc-netty sets SO_KEEPALIVE on every transport, and Netty warns on each connection that a
     * unix socket has no such option: harmless, but a WARNING on the user's stderr. Held here
     * because java.util.logging keeps loggers weakly and would drop the filter with it.
     */
    private static final List<Logger> BOOTSTRAP_LOGS = List.of(Logger.getLogger("io.netty.bootstrap.AbstractBootstrap"),
            Logger.getLogger("io.netty.bootstrap.Bootstrap"));

    static {
        for (Logger l : BOOTSTRAP_LOGS) {
            l.setFilter(r -> r.getMessage() == null || !(r.getMessage().contains("'SO_KEEPALIVE'")
                    && r.getMessage().contains("EpollDomainSocketChannel")));
        }
    }

    private UnixSocketGrpc() {
    }

    /** @param maxMessage the largest response accepted (bounded memory per call) */
    static ManagedChannel open(Path socket, int maxMessage, EventLoopGroup group) {
        // A unix socket address: no name is ever resolved; the authority is only the HTTP/2 :authority.
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(group)
                .overrideAuthority("localhost")
                .usePlaintext()
                .maxInboundMessageSize(maxMessage)
                .maxInboundMetadataSize(64 * 1024)
                .build();
        // Connect now, not on the first lookup: the first connection (and its native transport)
        // can take longer than one call's timeout on a loaded node. No socket, no reconnect loop.
        if (Files.exists(socket)) {
            channel.getState(true);
        }
        return channel;
    }
}
