package io.syndrop.event;

import java.nio.ByteBuffer;

/** Text forms of addresses as events carry them: 10.0.0.1, and RFC 5952 IPv6 (fd00::1). */
public final class Addresses {
    private Addresses() {}

    public static String ipv4(ByteBuffer b, int off) {
        return (b.get(off) & 0xff) + "." + (b.get(off + 1) & 0xff) + "." + (b.get(off + 2) & 0xff) + "."
                + (b.get(off + 3) & 0xff);
    }

    public static String ipv6(ByteBuffer b, int off) {
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = ((b.get(off + 2 * i) & 0xff) << 8) | (b.get(off + 2 * i + 1) & 0xff);
        }
        // RFC 5952: compress the longest run (>= 2) of zero words, the first one on ties.
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestStart == 0 && bestLen == 5 && w[5] == 0xffff) {
            return "::ffff:" + ipv4(b, off + 12);
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(w[i]));
        }
        return sb.toString();
    }
}
