package io.syndrop.probe;

import java.time.Duration;

/**
 * Storm summaries (bpf/syndrop_storm.h): exact per-key drop counts in the kernel, read every
 * {@code interval}, and a per-key token bucket of {@code detailRate} detailed events per second with
 * {@code detailBurst} in reserve. {@code detailRate} 0 sends every drop in detail; {@code detailBurst} 0
 * sends none (summaries only); {@link #OFF} keeps the kernel path as it was (no map update).
 *
 * <p>A key's window is summarised only when it had drops that were not sent in detail (the rate
 * limit engaged, or the ring buffer was full), unless {@code everyWindow}: a window whose drops all
 * went out as events adds nothing to the reconciliation (its count - detailed is 0), and a trickle
 * of drops should not double the records a SIEM takes. Detailed events plus the summaries'
 * count - detailed stay exactly the kernel's count either way.
 */
public record StormSettings(boolean on, Duration interval, int detailRate, int detailBurst, int prefix4, int prefix6,
                            int keys, boolean everyWindow) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    public static final int DEFAULT_DETAIL_RATE = 100;
    public static final int DEFAULT_DETAIL_BURST = 200;
    public static final int DEFAULT_PREFIX4 = 24;
    public static final int DEFAULT_PREFIX6 = 64;
    public static final int DEFAULT_KEYS = 16384;

    /** What watch and agent run with unless told otherwise. */
    public static final StormSettings DEFAULTS = new StormSettings(true, DEFAULT_INTERVAL, DEFAULT_DETAIL_RATE,
            DEFAULT_DETAIL_BURST, DEFAULT_PREFIX4, DEFAULT_PREFIX6, DEFAULT_KEYS, false);
    /** No map in the kernel path: every drop is an event, as before summaries existed. */
    public static final StormSettings OFF = new StormSettings(false, DEFAULT_INTERVAL, 0, 0, DEFAULT_PREFIX4,
            DEFAULT_PREFIX6, DEFAULT_KEYS, false);

    public StormSettings {
        if (on && (interval == null || interval.isZero() || interval.isNegative())) {
            throw new IllegalArgumentException("summary interval must be positive, got " + interval);
        }
        if (detailRate < 0 || detailBurst < 0) {
            throw new IllegalArgumentException("detail rate and burst must be >= 0");
        }
        if (prefix4 < 0 || prefix4 > 32 || prefix6 < 0 || prefix6 > 128) {
            throw new IllegalArgumentException("summary prefixes are 0..32 (IPv4) and 0..128 (IPv6)");
        }
        if (keys < 1) {
            throw new IllegalArgumentException("summary keys must be >= 1");
        }
    }

    /** Every drop summarised, every drop also detailed (no rate limit). */
    public static StormSettings unlimited(Duration interval) {
        return new StormSettings(true, interval, 0, 0, DEFAULT_PREFIX4, DEFAULT_PREFIX6, DEFAULT_KEYS, false);
    }

    public StormSettings withDetail(int rate, int burst) {
        return new StormSettings(on, interval, rate, burst, prefix4, prefix6, keys, everyWindow);
    }

    public StormSettings withKeys(int n) {
        return new StormSettings(on, interval, detailRate, detailBurst, prefix4, prefix6, n, everyWindow);
    }

    /** Summarise every key's every window with drops, also those whose drops were all detailed. */
    public StormSettings withEveryWindow(boolean every) {
        return new StormSettings(on, interval, detailRate, detailBurst, prefix4, prefix6, keys, every);
    }

    void applyTo(ShimOptions o) {
        o.stormOn = on ? 1 : 0;
        o.stormKeys = keys;
        o.stormPrefix4 = prefix4;
        o.stormPrefix6 = prefix6;
        o.detailRate = detailRate;
        o.detailBurst = detailBurst;
    }
}
