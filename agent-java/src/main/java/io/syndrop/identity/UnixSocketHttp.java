package io.syndrop.identity;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HTTP/1.1 GETs over a unix domain socket (Docker Engine's API), one connection each: a local
 * socket connects in microseconds, and no pooled connection can go stale between lookups.
 * Every answer is bounded in size and time.
 */
final class UnixSocketHttp {

    record Response(int status, String body) {
    }

    private final Path socket;
    private final int maxBody;
    private final Duration timeout;
    private final Bootstrap bootstrap;

    UnixSocketHttp(Path socket, int maxBody, Duration timeout, EventLoopGroup group) {
        this.socket = socket;
        this.maxBody = maxBody;
        this.timeout = timeout;
        this.bootstrap = new Bootstrap().group(group).channel(EpollDomainSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis());
    }

    Response get(String pathAndQuery) throws IOException {
        CompletableFuture<Response> answer = new CompletableFuture<>();
        Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new ReadTimeoutHandler(timeout.toMillis(), TimeUnit.MILLISECONDS),
                        new HttpClientCodec(), new HttpObjectAggregator(maxBody),
                        new SimpleChannelInboundHandler<FullHttpResponse>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                answer.complete(new Response(r.status().code(),
                                        r.content().toString(StandardCharsets.UTF_8)));
                                ctx.close();
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                answer.completeExceptionally(cause);
                                ctx.close();
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                answer.completeExceptionally(new IOException("the connection closed before an answer"));
                            }
                        });
            }
        });
        ChannelFuture connect = b.connect(new DomainSocketAddress(socket.toString()));
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                answer.completeExceptionally(f.cause());
                return;
            }
            DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, pathAndQuery);
            // HTTP/1.1 needs a Host; over a unix socket it is only a name in a header, never looked up.
            req.headers().set(HttpHeaderNames.HOST, "localhost")
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            connect.channel().writeAndFlush(req).addListener(w -> {
                if (!w.isSuccess()) {
                    answer.completeExceptionally(w.cause());
                }
            });
        });
        try {
            return answer.get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + socket, e);
        } catch (TimeoutException e) {
            throw new IOException("no answer from " + socket + " to GET " + pathAndQuery + " within "
                    + timeout.toMillis() * 2 + " ms", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof TooLongFrameException) {
                throw new IOException("the answer from " + socket + " to GET " + pathAndQuery + " is over "
                        + maxBody + " bytes; not read", c);
            }
            if (c instanceof io.netty.handler.timeout.ReadTimeoutException) {
                throw new IOException("no answer from " + socket + " to GET " + pathAndQuery + " within "
                        + timeout.toMillis() + " ms", c);
            }
            throw new IOException(socket + ": GET " + pathAndQuery + ": " + c, c);
        } finally {
            if (connect.channel() != null) {
                connect.channel().close();
            }
        }
    }
}
