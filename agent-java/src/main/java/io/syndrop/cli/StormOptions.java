package io.syndrop.cli;

import io.syndrop.probe.StormSettings;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Storm summaries and the kernel's rate limit on detailed events (watch and agent; docs/cli.md#storms). */
public final class StormOptions {
    @Option(names = "--summary-interval", paramLabel = "D", converter = OptionConverters.DurationValue.class,
            description = "read the kernel's exact per-key drop counts this often and send a summary per key that "
                    + "changed, 100ms-1h (default 2s); 0: no summaries and no rate limit (every drop an event)")
    Duration summaryInterval = StormSettings.DEFAULT_INTERVAL;

    @Option(names = "--detail-rate", paramLabel = "N",
            description = "full events per second per key (reason, netns, port, source prefix), 0-1000000 "
                    + "(default 100); the rest are only counted in summaries; 0: every drop an event")
    long detailRate = StormSettings.DEFAULT_DETAIL_RATE;

    @Option(names = "--detail-burst", paramLabel = "N",
            description = "full events a key may send at once before --detail-rate applies, 0-1000000 (default 200); "
                    + "0: no full events, summaries only")
    long detailBurst = StormSettings.DEFAULT_DETAIL_BURST;

    @Option(names = "--summary-prefix4", paramLabel = "BITS",
            description = "IPv4 source prefix of a summary's key, 0-32 (default 24)")
    long prefix4 = StormSettings.DEFAULT_PREFIX4;

    @Option(names = "--summary-prefix6", paramLabel = "BITS",
            description = "IPv6 source prefix of a summary's key, 0-128 (default 64)")
    long prefix6 = StormSettings.DEFAULT_PREFIX6;

    @Option(names = "--summary-keys", paramLabel = "N",
            description = "keys the kernel map holds, 16-1048576 (default 16384); beyond them drops are counted "
                    + "per reason only (overflow summaries), still exactly")
    long keys = StormSettings.DEFAULT_KEYS;

    /** The settings, with every range checked (a usage error names the option). */
    public StormSettings settings() {
        int rate = OptionRanges.intCount("--detail-rate", detailRate, 0, 1_000_000);
        int burst = OptionRanges.intCount("--detail-burst", detailBurst, 0, 1_000_000);
        int p4 = OptionRanges.intCount("--summary-prefix4", prefix4, 0, 32);
        int p6 = OptionRanges.intCount("--summary-prefix6", prefix6, 0, 128);
        int k = OptionRanges.intCount("--summary-keys", keys, 16, 1 << 20);
        if (summaryInterval.isZero()) {
            return StormSettings.OFF;
        }
        OptionRanges.duration("--summary-interval", summaryInterval, Duration.ofMillis(100), Duration.ofHours(1));
        return new StormSettings(true, summaryInterval, rate, burst, p4, p6, k, false);
    }
}
