package io.syndrop.filter;

import com.google.common.net.InetAddresses;

/**
 * An IPv4 or IPv6 prefix such as 10.0.0.0/8 or fd00::/8; a bare address is a /32 or /128. Only
 * address literals are accepted: filters arrive from remote clients too, and a name here would make
 * the agent or collector query DNS on their behalf.
 */
public final class Cidr {
    private final byte[] addr;
    private final int prefix;
    private final String text;

    private Cidr(byte[] addr, int prefix, String text) {
        this.addr = addr;
        this.prefix = prefix;
        this.text = text;
    }

    public static Cidr parse(String s) {
        String a = s.trim();
        int slash = a.indexOf('/');
        byte[] bytes = literal(slash < 0 ? a : a.substring(0, slash));
        if (bytes == null) {
            throw new IllegalArgumentException("'" + s + "' is not an IP address or CIDR (10.0.0.0/8, fd00::/8);"
                    + " host names are not accepted");
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String digits = a.substring(slash + 1);
            prefix = !digits.isEmpty() && digits.length() <= 3 && digits.chars().allMatch(c -> c >= '0' && c <= '9')
                    ? Integer.parseInt(digits) : -1;
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("'" + s + "': prefix length must be 0.." + max);
            }
        }
        return new Cidr(bytes, prefix, a);
    }

    public boolean isIpv6() {
        return addr.length == 16;
    }

    public int prefix() {
        return prefix;
    }

    public byte[] address() {
        return addr.clone();
    }

    public boolean contains(byte[] other) {
        if (other.length != addr.length) {
            return false;
        }
        int bits = prefix;
        for (int i = 0; i < addr.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((addr[i] & mask) != (other[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the two prefixes share an address. Prefixes are nested or disjoint, so this is
     * "one contains the other": 10.0.0.0/8 and 10.1.2.0/24 overlap, 10.1.2.0/24 and 10.1.3.0/24 do not.
     */
    public boolean overlaps(Cidr other) {
        if (other.addr.length != addr.length) {
            return false;
        }
        return prefix <= other.prefix ? contains(other.addr) : other.contains(addr);
    }

    /** Matches an address in the text form events carry. */
    public boolean contains(String address) {
        byte[] a = address == null ? null : literal(address);
        return a != null && contains(a);
    }

    /**
     * The bytes of an address literal in dotted-quad or RFC 4291 form, or null. Guava parses text
     * only; InetAddress.getByName would fall back to a resolver for anything it does not parse and
     * accepts forms nobody means in a filter ("12345" as 0.0.48.57). Scoped addresses (fe80::1%eth0)
     * are refused: the scope names an interface, which a source filter has no use for.
     */
    static byte[] literal(String s) {
        if (s.isEmpty() || s.indexOf('%') >= 0 || !InetAddresses.isInetAddress(s)) {
            return null;
        }
        return InetAddresses.forString(s).getAddress();
    }

    @Override
    public String toString() {
        return text;
    }
}
