package io.syndrop.cli;

import io.syndrop.input.Sizes;
import io.syndrop.input.UsageException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sizes, counts and durations as the commands take them: picocli's conversion, then the option's range. */
class OptionValuesTest {
    /** One option of each type, converted as the commands' options are. */
    static final class Values {
        @Option(names = "--s", converter = OptionConverters.SizeValue.class)
        Long size;
        @Option(names = "--n")
        Long count;
        @Option(names = "--d", converter = OptionConverters.DurationValue.class)
        Duration duration;
    }

    /** Parses {@code --name value}; a conversion error is thrown as the CLI words it. */
    private static Values parse(String name, String value) {
        Values v = new Values();
        try {
            new CommandLine(v).parseArgs("--" + name, value);
        } catch (CommandLine.ParameterException e) {
            throw new UsageException(Cli.message(e));
        }
        return v;
    }

    private static <T> T value(String name, String value, Function<Values, T> check) {
        return check.apply(parse(name, value));
    }

    private static void refused(String name, String value, Function<Values, ?> check) {
        UsageException e = assertThrows(UsageException.class, () -> value(name, value, check), name + " " + value);
        assertTrue(e.getMessage().contains("--" + name), e.getMessage());
        assertTrue(e.getMessage().contains(value), e.getMessage());
    }

    private static Function<Values, Long> size(long min, long max) {
        return v -> OptionRanges.size("--s", v.size, min, max);
    }

    private static Function<Values, Long> count(int min, int max) {
        return v -> (long) OptionRanges.intCount("--n", v.count, min, max);
    }

    private static Function<Values, Duration> duration(Duration min, Duration max) {
        return v -> OptionRanges.duration("--d", v.duration, min, max);
    }

    private static final Function<Values, Duration> POSITIVE = v -> OptionRanges.positive("--d", v.duration);

    @Test
    void sizesTakeUnitsAndRefuseOverflowAndRange() {
        assertEquals(256L << 20, value("s", "256M", size(1, Long.MAX_VALUE)));
        assertEquals(2L << 40, value("s", "2t", size(1, Long.MAX_VALUE)));
        assertEquals(4096, value("s", "4096", size(1, Long.MAX_VALUE)));
        refused("s", "9999999999G", size(1, Long.MAX_VALUE));
        refused("s", "99999999999999999999", size(1, Long.MAX_VALUE));
        refused("s", "-5M", size(0, Long.MAX_VALUE));
        refused("s", "5X", size(0, Long.MAX_VALUE));
        refused("s", "M", size(0, Long.MAX_VALUE));
        refused("s", "17T", size(1L << 20, 16L << 40));
        refused("s", "100K", size(1L << 20, 16L << 40));
        assertEquals("16T", Sizes.format(16L << 40));
        assertEquals("4K", Sizes.format(4096));
        assertEquals("1000", Sizes.format(1000));
    }

    @Test
    void powersOfTwo() {
        Function<Values, Long> ring = v -> OptionRanges.powerOfTwoSize("--s", v.size, 4096, 1L << 30);
        assertEquals(1L << 22, value("s", "4M", ring));
        refused("s", "3M", ring);
        refused("s", "2G", ring);
    }

    @Test
    void countsRefuseWhatAnIntCastWouldTruncate() {
        assertEquals(8L, value("n", "8", count(1, 1024)));
        refused("n", "99999999999", count(1, 1024));
        refused("n", "4294967304", count(1, 1024)); // 2^32 + 8: (int) would make it 8
        refused("n", "0", count(1, 1024));
        refused("n", "-1", count(1, 1024));
        refused("n", "8.5", count(1, 1024));
        refused("n", "-3", v -> OptionRanges.count("--n", v.count, 0, Long.MAX_VALUE));
    }

    @Test
    void durationsArePositiveAndBounded() {
        assertEquals(Duration.ofMillis(250), value("d", "250ms", POSITIVE));
        assertEquals(Duration.ofMinutes(10), value("d", "10m", POSITIVE));
        assertEquals(Duration.ofDays(2), value("d", "2d", POSITIVE));
        assertEquals(Duration.ofSeconds(30), value("d", "30", POSITIVE));
        assertEquals(Duration.ZERO, value("d", "0ms", duration(Duration.ZERO, Duration.ofSeconds(10))));
        refused("d", "-5s", POSITIVE);
        refused("d", "-5", POSITIVE);
        refused("d", "0s", POSITIVE);
        refused("d", "99999999999999h", POSITIVE);
        refused("d", "3651d", POSITIVE);
        refused("d", "11s", duration(Duration.ZERO, Duration.ofSeconds(10)));
        refused("d", "5x", POSITIVE);
        refused("d", "ms", POSITIVE);
    }
}
