package io.syndrop.wire;

import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * How an agent (or a viewer) reaches a collector: TLS by default (optionally with a client
 * certificate for mutual TLS), plaintext only when asked for with --insecure, and an optional
 * bearer token sent as the {@code authorization} header of every call.
 */
public record CollectorChannel(HostPort target, boolean insecure, Path ca, Path cert, Path key, Path tokenFile) {
    public static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    public ManagedChannel open() throws IOException {
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(target.host(), target.port())
                .maxInboundMessageSize(4 << 20)
                .keepAliveTime(30, TimeUnit.SECONDS);
        if (insecure) {
            b.usePlaintext();
        } else {
            SslContextBuilder ssl = GrpcSslContexts.forClient();
            if (ca != null) {
                ssl.trustManager(ca.toFile());
            }
            if (cert != null || key != null) {
                if (cert == null || key == null) {
                    throw new IOException("a client certificate needs both --cert and --key");
                }
                ssl.keyManager(cert.toFile(), key.toFile());
            }
            b.sslContext(ssl.build());
        }
        return b.build();
    }

    /** The channel with the token attached to every call, if there is one. */
    public Channel withToken(ManagedChannel ch) throws IOException {
        String token = readToken(tokenFile);
        if (token == null) {
            return ch;
        }
        Metadata md = new Metadata();
        md.put(AUTHORIZATION, "Bearer " + token);
        ClientInterceptor i = MetadataUtils.newAttachHeadersInterceptor(md);
        return ClientInterceptors.intercept(ch, i);
    }

    /** The token in a file (first line, trimmed), or null when no file is given. */
    public static String readToken(Path file) throws IOException {
        if (file == null) {
            return null;
        }
        String t = Files.readString(file, StandardCharsets.UTF_8).trim();
        int nl = t.indexOf('\n');
        if (nl >= 0) {
            t = t.substring(0, nl).trim();
        }
        if (t.isEmpty()) {
            throw new IOException("token file " + file + " is empty");
        }
        return t;
    }
}
