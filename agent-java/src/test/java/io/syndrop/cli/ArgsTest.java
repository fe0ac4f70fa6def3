package io.syndrop.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.syndrop.input.Sizes;
import io.syndrop.input.UsageException;

class ArgsTest {
    private static Args args(String name, String value) {
        return Args.parse(List.of("--" + name, value), Set.of(name), Set.of());
    }

    private static void refused(String name, String value, java.util.function.Consumer<Args> get) {
        UsageException e = assertThrows(UsageException.class, () -> get.accept(args(name, value)), name + " " + value);
        assertTrue(e.getMessage().startsWith("--" + name + " "), e.getMessage());
        assertTrue(e.getMessage().contains(value), e.getMessage());
    }

    @Test
    void sizesTakeUnitsAndRefuseOverflowAndRange() {
        assertEquals(256L << 20, args("s", "256M").getSize("s", 0, 1, Long.MAX_VALUE));
        assertEquals(2L << 40, args("s", "2t").getSize("s", 0, 1, Long.MAX_VALUE));
        assertEquals(4096, args("s", "4096").getSize("s", 0, 1, Long.MAX_VALUE));
        assertEquals(7, Args.parse(List.of(), Set.of("s"), Set.of()).getSize("s", 7, 1, 10), "absent: the default");
        refused("s", "9999999999G", a -> a.getSize("s", 0, 1, Long.MAX_VALUE));
        refused("s", "99999999999999999999", a -> a.getSize("s", 0, 1, Long.MAX_VALUE));
        refused("s", "-5M", a -> a.getSize("s", 0, 0, Long.MAX_VALUE));
        refused("s", "5X", a -> a.getSize("s", 0, 0, Long.MAX_VALUE));
        refused("s", "M", a -> a.getSize("s", 0, 0, Long.MAX_VALUE));
        refused("s", "17T", a -> a.getSize("s", 0, 1L << 20, 16L << 40));
        refused("s", "100K", a -> a.getSize("s", 0, 1L << 20, 16L << 40));
        assertEquals("16T", Sizes.format(16L << 40));
        assertEquals("4K", Sizes.format(4096));
        assertEquals("1000", Sizes.format(1000));
    }

    @Test
    void powersOfTwo() {
        assertEquals(1L << 22, args("r", "4M").getPowerOfTwoSize("r", 0, 4096, 1L << 30));
        refused("r", "3M", a -> a.getPowerOfTwoSize("r", 0, 4096, 1L << 30));
        refused("r", "2G", a -> a.getPowerOfTwoSize("r", 0, 4096, 1L << 30));
    }

    @Test
    void countsRefuseWhatAnIntCastWouldTruncate() {
        assertEquals(8, args("window", "8").getInt("window", 1, 1, 1024));
        refused("window", "99999999999", a -> a.getInt("window", 1, 1, 1024));
        refused("window", "4294967304", a -> a.getInt("window", 1, 1, 1024)); // 2^32 + 8: (int) would make it 8
        refused("window", "0", a -> a.getInt("window", 1, 1, 1024));
        refused("window", "-1", a -> a.getInt("window", 1, 1, 1024));
        refused("window", "8.5", a -> a.getInt("window", 1, 1, 1024));
        refused("n", "-3", a -> a.getLong("n", 0));
    }

    @Test
    void durationsArePositiveAndBounded() {
        assertEquals(Duration.ofMillis(250), args("d", "250ms").getDuration("d", null));
        assertEquals(Duration.ofMinutes(10), args("d", "10m").getDuration("d", null));
        assertEquals(Duration.ofDays(2), args("d", "2d").getDuration("d", null));
        assertEquals(Duration.ofSeconds(30), args("d", "30").getDuration("d", null));
        assertEquals(Duration.ZERO, args("d", "0ms").getDuration("d", null, Duration.ZERO, Duration.ofSeconds(10)));
        refused("d", "-5s", a -> a.getDuration("d", null));
        refused("d", "-5", a -> a.getDuration("d", null));
        refused("d", "0s", a -> a.getDuration("d", null));
        refused("d", "99999999999999h", a -> a.getDuration("d", null));
        refused("d", "3651d", a -> a.getDuration("d", null));
        refused("d", "11s", a -> a.getDuration("d", null, Duration.ZERO, Duration.ofSeconds(10)));
        refused("d", "5x", a -> a.getDuration("d", null));
        refused("d", "ms", a -> a.getDuration("d", null));
    }
}
