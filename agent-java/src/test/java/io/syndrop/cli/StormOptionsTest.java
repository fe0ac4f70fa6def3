package io.syndrop.cli;

import io.syndrop.input.UsageException;
import io.syndrop.probe.StormSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * watch and agent both take the storm options (docs/cli.md#storms): watch once lost its mixin in a
 * merge, and `watch --summary-interval 0` was refused as an unknown option.
 */
class StormOptionsTest {
    @Test
    void watchTakesTheStormOptions() {
        WatchCommand w = new WatchCommand();
        new CommandLine(w).parseArgs("--summary-interval", "500ms", "--detail-rate", "7", "--detail-burst", "3",
                "--summary-prefix4", "16", "--summary-prefix6", "48", "--summary-keys", "64");
        StormSettings s = w.stormOptions.settings();
        assertTrue(s.on());
        assertEquals(Duration.ofMillis(500), s.interval());
        assertEquals(7, s.detailRate());
        assertEquals(3, s.detailBurst());
        assertEquals(64, s.keys());
        WatchCommand off = new WatchCommand();
        new CommandLine(off).parseArgs("--summary-interval", "0");
        assertFalse(off.stormOptions.settings().on(), "0: every drop an event");
    }

    @Test
    void agentTakesTheStormOptions() {
        AgentCommand a = new AgentCommand();
        new CommandLine(a).parseArgs("--detail-rate", "9");
        assertEquals(9, a.stormOptions.settings().detailRate());
    }

    @Test
    void outOfRangeValuesNameTheOption() {
        WatchCommand w = new WatchCommand();
        new CommandLine(w).parseArgs("--summary-prefix4", "33");
        UsageException e = assertThrows(UsageException.class, () -> w.stormOptions.settings());
        assertTrue(e.getMessage().contains("--summary-prefix4"), e.getMessage());
    }
}
