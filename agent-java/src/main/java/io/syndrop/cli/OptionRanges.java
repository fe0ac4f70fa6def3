package io.syndrop.cli;

import io.syndrop.input.Durations;
import io.syndrop.input.Sizes;
import io.syndrop.input.UsageException;
import java.time.Duration;

/** Range checks of typed option values: out of range is a usage error naming the option and the range. */
final class OptionRanges {
    private OptionRanges() {}

    static long count(String option, long n, long min, long max) {
        if (n < min || n > max) {
            throw new UsageException(option + " must be from " + min + " to " + max + ", got " + n);
        }
        return n;
    }

    /** A count that fits an int once checked: never truncated by a cast. */
    static int intCount(String option, long n, int min, int max) {
        return (int) count(option, n, min, max);
    }

    static long size(String option, long n, long min, long max) {
        if (n < min || n > max) {
            throw new UsageException(option + " must be from " + Sizes.format(min) + " to " + Sizes.format(max)
                    + ", got " + Sizes.format(n));
        }
        return n;
    }

    static long powerOfTwoSize(String option, long n, long min, long max) {
        if (n < min || n > max || Long.bitCount(n) != 1) {
            throw new UsageException(option + " must be a power of two from " + Sizes.format(min) + " to "
                    + Sizes.format(max) + " (e.g. 4M), got " + Sizes.format(n));
        }
        return n;
    }

    /** null (not given) stays null. */
    static Duration duration(String option, Duration d, Duration min, Duration max) {
        if (d != null && (d.compareTo(min) < 0 || d.compareTo(max) > 0)) {
            throw new UsageException(option + " must be from " + Durations.format(min) + " to "
                    + Durations.format(max) + ", got " + Durations.format(d));
        }
        return d;
    }

    /** The default range of a duration option: above zero, at most {@link Durations#MAX}. */
    static Duration positive(String option, Duration d) {
        return duration(option, d, Duration.ofMillis(1), Durations.MAX);
    }
}
