package io.syndrop.format;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * A reusable, growable buffer of UTF-8 JSON text. Sinks format whole groups of records into one of
 * these and write it with a single call, so the hot path makes no String per record and no
 * intermediate char[] copy.
 */
public final class JsonBytes {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final long[] POW10 = new long[19];
    private static final byte[] PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            PAIRS[2 * i] = (byte) ('0' + i / 10);
            PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
        long p = 1;
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = p;
            p *= 10;
        }
    }

    private byte[] buf;
    private int len;
    // Per-buffer caches for RecordJson's fields that repeat line after line.
    final LastNumber bootCache = new LastNumber();
    final LastNumber netnsCache = new LastNumber();

    public JsonBytes() {
        this(4096);
    }

    public JsonBytes(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    public int length() {
        return len;
    }

    public void reset() {
        len = 0;
    }

    /** Drops what was appended after {@code length} (a record that is written another way after all). */
    public void truncate(int length) {
        if (length < 0 || length > len) {
            throw new IllegalArgumentException("cannot truncate " + len + " bytes to " + length);
        }
        len = length;
    }

    /** Gives the memory back after an unusually large group, so a burst does not pin it for good. */
    public void shrinkTo(int capacity) {
        if (buf.length > capacity) {
            buf = new byte[Math.max(16, capacity)];
            len = 0;
        }
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }

    public JsonBytes raw(char c) {
        ensure(1);
        buf[len++] = (byte) c;
        return this;
    }

    /** Appends text that is already JSON (ASCII only: names, punctuation, enum names). */
    public JsonBytes raw(String ascii) {
        int n = ascii.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[len++] = (byte) ascii.charAt(i);
        }
        return this;
    }

    /** A field name encoded once as {@code ,"name":}, so writing it is one array copy. */
    public static final class Key {
        private final byte[] bytes;

        private Key(String asciiName) {
            bytes = (",\"" + asciiName + "\":").getBytes(StandardCharsets.US_ASCII);
        }
    }

    public static Key key(String asciiName) {
        return new Key(asciiName);
    }

    /** Writes the field name, with the comma before it unless it is the object's first field. */
    public JsonBytes key(Key k, boolean first) {
        int off = first ? 1 : 0;
        int n = k.bytes.length - off;
        ensure(n);
        System.arraycopy(k.bytes, off, buf, len, n);
        len += n;
        return this;
    }

    /** Appends bytes that are already JSON text (e.g. a quoted enum name encoded once). */
    public JsonBytes bytes(byte[] json) {
        ensure(json.length);
        System.arraycopy(json, 0, buf, len, json.length);
        len += json.length;
        return this;
    }

    /** Each constant's name as a JSON string, encoded once, by ordinal. */
    public static byte[][] quotedNames(Enum<?>[] values) {
        byte[][] out = new byte[values.length][];
        for (Enum<?> v : values) {
            out[v.ordinal()] = ("\"" + v.name() + "\"").getBytes(StandardCharsets.US_ASCII);
        }
        return out;
    }

    /** {@code "name":} */
    public JsonBytes name(String asciiName) {
        ensure(asciiName.length() + 3);
        buf[len++] = '"';
        raw(asciiName);
        buf[len++] = '"';
        buf[len++] = ':';
        return this;
    }

    public JsonBytes number(long v) {
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                return raw(Long.toString(v));
            }
            raw('-');
            v = -v;
        }
        return digits(v);
    }

    /** An unsigned 64-bit value as a plain number. */
    public JsonBytes unsigned(long v) {
        return v >= 0 ? digits(v) : raw(Long.toUnsignedString(v));
    }

    /** An unsigned 64-bit value as a quoted decimal string (the proto3 JSON form of uint64). */
    public JsonBytes quotedUnsigned(long v) {
        raw('"');
        unsigned(v);
        return raw('"');
    }

    /**
     * As {@link #quotedUnsigned}, remembering the last value written through {@code cache}: fields
     * that repeat on every line of a batch (the agent's boot, the namespace inode) are then one copy.
     */
    public JsonBytes quotedUnsigned(long v, LastNumber cache) {
        if (cache.bytes != null && cache.value == v) {
            return bytes(cache.bytes);
        }
        int from = len;
        quotedUnsigned(v);
        cache.value = v;
        cache.bytes = Arrays.copyOfRange(buf, from, len);
        return this;
    }

    /** The last number one field wrote, as JSON text; see {@link #quotedUnsigned(long, LastNumber)}. */
    public static final class LastNumber {
        private long value;
        private byte[] bytes;
    }

    /** A signed 64-bit value as a quoted decimal string (the proto3 JSON form of int64). */
    public JsonBytes quotedNumber(long v) {
        raw('"');
        number(v);
        return raw('"');
    }

    private JsonBytes digits(long v) {
        if (v < Integer.MAX_VALUE) {
            return digits((int) v);
        }
        // 10-19 digits (timestamps, inodes, boot ids on every line): the low nine in int arithmetic,
        // which is much cheaper than long division.
        long hi = v / 1_000_000_000L;
        int lo = (int) (v - hi * 1_000_000_000L);
        digits(hi);
        ensure(9);
        int i = len + 9;
        for (int k = 0; k < 4; k++) {
            int q = lo / 100;
            int r = (lo - q * 100) * 2;
            buf[--i] = PAIRS[r + 1];
            buf[--i] = PAIRS[r];
            lo = q;
        }
        buf[--i] = (byte) ('0' + lo);
        len += 9;
        return this;
    }

    private JsonBytes digits(int v) {
        int n = 1;
        while (n < 10 && v >= POW10[n]) {
            n++;
        }
        ensure(n);
        int i = len + n;
        while (v >= 100) {
            int q = v / 100;
            int r = (v - q * 100) * 2;
            buf[--i] = PAIRS[r + 1];
            buf[--i] = PAIRS[r];
            v = q;
        }
        if (v >= 10) {
            int r = v * 2;
            buf[--i] = PAIRS[r + 1];
            buf[--i] = PAIRS[r];
        } else {
            buf[--i] = (byte) ('0' + v);
        }
        len += n;
        return this;
    }

    /** A JSON string: quotes, backslashes and control characters escaped; everything else as UTF-8. */
    public JsonBytes string(String s) {
        int n = s.length();
        ensure(n + 2);
        buf[len++] = '"';
        // Fast path: plain printable ASCII (addresses, names) is copied without per-character checks of capacity.
        int i = 0;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                break;
            }
            buf[len++] = (byte) c;
        }
        if (i == n) {
            buf[len++] = '"';
            return this;
        }
        return stringSlow(s, i);
    }

    private JsonBytes stringSlow(String s, int from) {
        int n = s.length();
        for (int i = from; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                ensure(1);
                buf[len++] = (byte) c;
            } else if (c == '"' || c == '\\') {
                ensure(2);
                buf[len++] = '\\';
                buf[len++] = (byte) c;
            } else if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                // \u2028/\u2029 are legal JSON but break JavaScript-based line readers.
                ensure(6);
                buf[len++] = '\\';
                buf[len++] = 'u';
                buf[len++] = HEX[(c >> 12) & 0xf];
                buf[len++] = HEX[(c >> 8) & 0xf];
                buf[len++] = HEX[(c >> 4) & 0xf];
                buf[len++] = HEX[c & 0xf];
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                ensure(4);
                buf[len++] = (byte) (0xf0 | (cp >> 18));
                buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                buf[len++] = (byte) (0x80 | (cp & 0x3f));
            } else if (Character.isSurrogate(c)) {
                // A lone surrogate has no UTF-8 form; String.getBytes(UTF_8) writes '?' for it, and so do we.
                ensure(1);
                buf[len++] = '?';
            } else if (c < 0x800) {
                ensure(2);
                buf[len++] = (byte) (0xc0 | (c >> 6));
                buf[len++] = (byte) (0x80 | (c & 0x3f));
            } else {
                ensure(3);
                buf[len++] = (byte) (0xe0 | (c >> 12));
                buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                buf[len++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        ensure(1);
        buf[len++] = '"';
        return this;
    }

    /**
     * A JSON string from UTF-8 bytes, written as {@link #string(String)} writes the String those
     * bytes decode to; the bytes must be valid UTF-8 (check first: a malformed sequence would decode
     * to U+FFFD there and be copied as it is here). Characters that need no escape are copied byte
     * for byte: only ASCII controls, DEL, quote, backslash and U+2028/U+2029 (E2 80 A8/A9) change.
     */
    public JsonBytes utf8String(byte[] a, int off, int n) {
        // Room for the worst case (every byte a six-character escape) once, instead of a check per byte.
        ensure(6 * n + 2);
        buf[len++] = '"';
        int end = off + n;
        for (int i = off; i < end; i++) {
            int c = a[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' || c >= 0x80 && c != 0xe2) {
                buf[len++] = (byte) c;
            } else if (c == '"' || c == '\\') {
                buf[len++] = '\\';
                buf[len++] = (byte) c;
            } else if (c == 0xe2) {
                if (i + 2 < end && a[i + 1] == (byte) 0x80 && (a[i + 2] == (byte) 0xa8 || a[i + 2] == (byte) 0xa9)) {
                    buf[len++] = '\\';
                    buf[len++] = 'u';
                    buf[len++] = '2';
                    buf[len++] = '0';
                    buf[len++] = '2';
                    buf[len++] = a[i + 2] == (byte) 0xa8 ? (byte) '8' : (byte) '9';
                    i += 2;
                } else {
                    buf[len++] = (byte) c;
                }
            } else {
                buf[len++] = '\\';
                buf[len++] = 'u';
                buf[len++] = '0';
                buf[len++] = '0';
                buf[len++] = HEX[(c >> 4) & 0xf];
                buf[len++] = HEX[c & 0xf];
            }
        }
        buf[len++] = '"';
        return this;
    }

    /** An object of string values. */
    public JsonBytes stringMap(Map<String, String> m) {
        raw('{');
        boolean first = true;
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (!first) {
                raw(',');
            }
            first = false;
            string(e.getKey()).raw(':').string(e.getValue());
        }
        return raw('}');
    }

    /** An object of 64-bit values, as plain numbers or (proto3 JSON's int64 form) quoted. */
    public JsonBytes longMap(Map<String, Long> m, boolean quoted) {
        raw('{');
        boolean first = true;
        for (Map.Entry<String, Long> e : m.entrySet()) {
            if (!first) {
                raw(',');
            }
            first = false;
            string(e.getKey()).raw(':');
            if (quoted) {
                quotedNumber(e.getValue());
            } else {
                number(e.getValue());
            }
        }
        return raw('}');
    }

    public JsonBytes bool(boolean v) {
        return raw(v ? "true" : "false");
    }

    /** Bytes as a quoted standard base64 string with padding (the proto3 JSON form of bytes). */
    public JsonBytes base64(com.google.protobuf.ByteString v) {
        int n = v.size();
        ensure(2 + (n + 2) / 3 * 4);
        buf[len++] = '"';
        int i = 0;
        for (; i + 2 < n; i += 3) {
            int w = (v.byteAt(i) & 0xff) << 16 | (v.byteAt(i + 1) & 0xff) << 8 | (v.byteAt(i + 2) & 0xff);
            quad(w, 4);
        }
        if (n - i == 1) {
            quad((v.byteAt(i) & 0xff) << 16, 2);
        } else if (n - i == 2) {
            quad((v.byteAt(i) & 0xff) << 16 | (v.byteAt(i + 1) & 0xff) << 8, 3);
        }
        buf[len++] = '"';
        return this;
    }

    /** As {@link #base64(com.google.protobuf.ByteString)}, from a range of an array. */
    public JsonBytes base64(byte[] a, int off, int n) {
        ensure(2 + (n + 2) / 3 * 4);
        buf[len++] = '"';
        int i = 0;
        for (; i + 2 < n; i += 3) {
            quad((a[off + i] & 0xff) << 16 | (a[off + i + 1] & 0xff) << 8 | (a[off + i + 2] & 0xff), 4);
        }
        if (n - i == 1) {
            quad((a[off + i] & 0xff) << 16, 2);
        } else if (n - i == 2) {
            quad((a[off + i] & 0xff) << 16 | (a[off + i + 1] & 0xff) << 8, 3);
        }
        buf[len++] = '"';
        return this;
    }

    private static final byte[] B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
            .getBytes(StandardCharsets.US_ASCII);

    /** Four base64 characters of the 24 bits in w, the last {@code 4 - chars} of them '='. */
    private void quad(int w, int chars) {
        for (int k = 0; k < 4; k++) {
            buf[len++] = k < chars ? B64[(w >>> (18 - 6 * k)) & 0x3f] : (byte) '=';
        }
    }

    /** The buffer's content as a ByteBuffer view (valid until the next append). */
    public ByteBuffer asByteBuffer() {
        return ByteBuffer.wrap(buf, 0, len);
    }

    public void writeTo(OutputStream out) throws IOException {
        out.write(buf, 0, len);
    }

    @Override
    public String toString() {
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }
}
