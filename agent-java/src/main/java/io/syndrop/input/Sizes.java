package io.syndrop.input;

/** Byte counts as people type them on a command line or in a sink spec, and back. */
public final class Sizes {
    private Sizes() {}

    /**
     * Sizes as people type them: 256M, 100K, 2G, 1T, or plain bytes. NumberFormatException for
     * anything else, for a negative size and for one beyond a long (9999999999G).
     */
    public static long parse(String v) {
        long mult = 1;
        String n = v;
        char u = v.isEmpty() ? '0' : Character.toUpperCase(v.charAt(v.length() - 1));
        if (u == 'K' || u == 'M' || u == 'G' || u == 'T') {
            mult = u == 'K' ? 1L << 10 : u == 'M' ? 1L << 20 : u == 'G' ? 1L << 30 : 1L << 40;
            n = v.substring(0, v.length() - 1);
        }
        if (n.isEmpty() || !n.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new NumberFormatException("not a size: " + v);
        }
        try {
            return Math.multiplyExact(Long.parseLong(n), mult);
        } catch (ArithmeticException e) {
            throw new NumberFormatException("size too large: " + v);
        }
    }

    /** 4096 as 4K, 268435456 as 256M: the form the user would type. */
    public static String format(long n) {
        String[] units = {"T", "G", "M", "K"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (n != 0 && n % (1L << shifts[i]) == 0) {
                return (n >> shifts[i]) + units[i];
            }
        }
        return Long.toString(n);
    }
}
