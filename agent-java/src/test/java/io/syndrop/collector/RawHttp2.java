package io.syndrop.collector;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A hand-written HTTP/2 client for sending what well-behaved gRPC clients never send: frames are
 * built byte by byte (HPACK literals without Huffman coding), answers are read frame by frame.
 */
final class RawHttp2 implements AutoCloseable {
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

    /** What the server answered on a stream, or how it ended the connection. */
    static final class Outcome {
        final Map<String, String> headers = new LinkedHashMap<>();
        Integer rstCode;
        Integer goAwayCode;
        boolean closed;

        String grpcStatus() {
            return headers.get("grpc-status");
        }

        @Override
        public String toString() {
            return "headers=" + headers + " rst=" + rstCode + " goaway=" + goAwayCode + " closed=" + closed;
        }
    }

    RawHttp2(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    void raw(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(payload.length >>> 16);
        f.write(payload.length >>> 8);
        f.write(payload.length);
        f.write(type);
        f.write(flags);
        f.write(stream >>> 24);
        f.write(stream >>> 16);
        f.write(stream >>> 8);
        f.write(stream);
        f.write(payload);
        raw(f.toByteArray());
    }

    /** Preface, empty SETTINGS, and HEADERS opening a gRPC call on stream 1. */
    void openCall(String path) throws IOException {
        raw(PREFACE);
        frame(4, 0, 0, new byte[0]);
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        literal(h, ":method", "POST");
        literal(h, ":scheme", "http");
        literal(h, ":path", path);
        literal(h, ":authority", "127.0.0.1");
        literal(h, "content-type", "application/grpc");
        literal(h, "te", "trailers");
        frame(1, 0x4, 1, h.toByteArray());
    }

    /** A gRPC length-prefixed message header claiming {@code declared} bytes, followed by {@code body}. */
    static byte[] grpcMessage(int declared, byte[] body) {
        byte[] m = new byte[5 + body.length];
        m[1] = (byte) (declared >>> 24);
        m[2] = (byte) (declared >>> 16);
        m[3] = (byte) (declared >>> 8);
        m[4] = (byte) declared;
        System.arraycopy(body, 0, m, 5, body.length);
        return m;
    }

    void data(byte[] payload, boolean endStream) throws IOException {
        frame(0, endStream ? 0x1 : 0, 1, payload);
    }

    private static void literal(ByteArrayOutputStream h, String name, String value) {
        h.write(0x00); // literal header field without indexing, new name
        str(h, name);
        str(h, value);
    }

    private static void str(ByteArrayOutputStream h, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        if (b.length >= 127) {
            throw new IllegalArgumentException("test header too long for a one-byte HPACK length");
        }
        h.write(b.length);
        h.write(b, 0, b.length);
    }

    /** Reads until the server ends stream 1 (trailers or RST_STREAM), sends GOAWAY, or closes. */
    Outcome await() throws IOException {
        Outcome o = new Outcome();
        try {
            while (true) {
                int len = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                byte[] p = new byte[len];
                in.readFully(p);
                if (type == 4 && (flags & 1) == 0) {
                    frame(4, 1, 0, new byte[0]); // SETTINGS ACK
                } else if (type == 1 && stream == 1) {
                    Http2Headers hs;
                    try {
                        hs = decoder.decodeHeaders(1, Unpooled.wrappedBuffer(p));
                    } catch (Exception e) {
                        throw new IOException("cannot decode the server's HEADERS", e);
                    }
                    hs.forEach(e -> o.headers.put(e.getKey().toString(), e.getValue().toString()));
                    if ((flags & 1) != 0) {
                        return o;
                    }
                } else if (type == 3 && stream == 1) {
                    o.rstCode = java.nio.ByteBuffer.wrap(p).getInt();
                    return o;
                } else if (type == 7) {
                    o.goAwayCode = java.nio.ByteBuffer.wrap(p, 4, 4).getInt();
                }
            }
        } catch (EOFException e) {
            o.closed = true;
        } catch (SocketTimeoutException e) {
            // neither an answer nor a close: the caller's assertion reports it
        } catch (IOException e) {
            o.closed = true; // reset by the server
        }
        return o;
    }

    /** True when the server closes the connection (reads to end of stream) within the socket timeout. */
    boolean closedByServer() throws IOException {
        try {
            while (in.read() >= 0) {
                // drain a GOAWAY or an error page
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
