package io.syndrop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.Reason;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * `watch` in a storm: on a terminal one live line per storming key, rewritten in place under the
 * scrolling events; elsewhere one STORM line per storming key per window; with --json every
 * summary as a JSON line. The terminal case runs for real in a pseudo-terminal (script(1)).
 */
class WatchStormTest {
    static final long T0 = 1_795_800_000_000_000_000L;

    static DropSummary summary(int w, String prefix, int port, long count, long detailed) {
        long start = T0 + w * 1_000_000_000L;
        return DropSummary.newBuilder().setSeq(100 + w).setTimeUnixNano(start + 1_000_000_000L)
                .setWindowStartUnixNano(start).setWindowEndUnixNano(start + 1_000_000_000L)
                .setReason(Reason.SYN_QUEUE_FULL).setNetnsIno(4026531840L).setDstPort(port).setSrcPrefix(prefix)
                .setCount(count).setDetailed(detailed).build();
    }

    static DropEvent event(int i) {
        return DropEvent.newBuilder().setSeq(i + 1).setTimeUnixNano(T0 + i * 1_000_000_000L + 500_000_000L)
                .setReason(Reason.SYN_QUEUE_FULL).setSrcAddr("198.51.100." + (7 + i)).setSrcPort(40000 + i)
                .setDstAddr("10.0.0.1").setDstPort(80).setNetnsIno(4026531840L).build();
    }

    private static String run(boolean json, boolean terminal, java.util.function.Consumer<EventPrinter> feed) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(b, true, StandardCharsets.UTF_8);
        EventPrinter p = new EventPrinter(json, terminal, out, out);
        feed.accept(p);
        return b.toString(StandardCharsets.UTF_8);
    }

    private static void window(EventPrinter p, int w, long firstCount, boolean secondStorms) {
        p.onSummary(summary(w, "198.51.100.0/24", 80, firstCount, 5));
        p.onSummary(summary(w, "203.0.113.0/24", 80, secondStorms ? 2_000 : 4, secondStorms ? 5 : 4));
        p.onSummary(summary(w, "192.0.2.0/24", 80, 3, 3));
        p.onBatchEnd();
    }

    @Test
    void onATerminalTheStormingKeysAreOneBlockRewrittenInPlaceUnderTheEvents() {
        String raw = run(false, true, p -> {
            p.onEvent(event(0));
            p.onBatchEnd();
            window(p, 0, 10_000, true);
            p.onEvent(event(1));
            p.onEvent(event(2));
            p.onBatchEnd();
            window(p, 1, 12_000, false);
            window(p, 2, 11_000, false);
        });
        assertTrue(raw.contains("\r\033[3A\033[J"), "cursor up over the 3-line block, erase below: " + raw);
        List<String> screen = Screen.render(raw);
        assertEquals(5, screen.size(), String.join("\n", screen));
        assertTrue(screen.get(0).contains("198.51.100.7:40000 -> 10.0.0.1:80"), screen.get(0));
        assertTrue(screen.get(1).contains("198.51.100.8:40001"), screen.get(1));
        assertTrue(screen.get(2).contains("198.51.100.9:40002"), "events keep scrolling above the block: " + screen);
        assertTrue(screen.get(3).startsWith("-- STORM: 1 key(s) over their rate limit, window to "), screen.get(3));
        assertTrue(screen.get(3).endsWith(", 10995 drop(s) counted but not shown --"), screen.get(3));
        assertEquals("  SYN_QUEUE_FULL        198.51.100.0/24        -> :80    netns 4026531840  11000 drops in 1.0 s (11000/s),"
                + " 5 detailed, 10995 not shown", screen.get(4), "the latest window's count, in place");
        assertFalse(String.join("\n", screen).contains("203.0.113.0/24"), "a key that stopped storming leaves the block");
        assertFalse(String.join("\n", screen).contains("192.0.2.0/24"), "a key whose drops were all shown is no storm");
    }

    @Test
    void aStormThatEndsLeavesTheBlockByTheClock() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(b, true, StandardCharsets.UTF_8);
        long[] now = {0};
        StormBlock block = new StormBlock(out, () -> now[0]);
        block.summary(summary(0, "198.51.100.0/24", 80, 10_000, 5));
        block.summary(summary(0, "203.0.113.0/24", 80, 900, 5).toBuilder().setOverflow(true).clearSrcPrefix().build());
        block.redraw();
        assertEquals(3, block.drawn());
        assertTrue(Screen.render(b.toString(StandardCharsets.UTF_8)).get(2)
                .contains("(keys that did not fit the kernel's key map)"), b.toString(StandardCharsets.UTF_8));
        now[0] = StormBlock.MIN_AGE_NANOS - 1;
        block.tick();
        assertEquals(3, block.drawn(), "still storming within two windows (at least 4 s)");
        block.event("an event line");
        now[0] = StormBlock.MIN_AGE_NANOS + 1;
        block.tick();
        assertEquals(0, block.drawn(), "no summary for 4 s: the storm is over");
        assertEquals(List.of("an event line"), Screen.render(b.toString(StandardCharsets.UTF_8)));
    }

    @Test
    void notOnATerminalEachStormingKeyGetsOneLinePerWindow() {
        String out = run(false, false, p -> {
            p.onEvent(event(0));
            window(p, 0, 10_000, true);
            window(p, 1, 12_000, false);
        });
        assertFalse(out.contains("\033"), "no ANSI in a pipe or file");
        List<String> storms = out.lines().filter(l -> l.contains(" STORM ")).toList();
        assertEquals(3, storms.size(), out);
        assertTrue(storms.get(0).endsWith("STORM SYN_QUEUE_FULL        198.51.100.0/24        -> :80    netns 4026531840"
                + "  10000 drops in 1.0 s (10000/s), 5 detailed, 9995 not shown"), storms.get(0));
        assertTrue(storms.get(1).contains("203.0.113.0/24") && storms.get(1).contains("1995 not shown"), storms.get(1));
        assertTrue(storms.get(2).contains("12000 drops"), storms.get(2));
    }

    @Test
    void jsonPrintsEverySummaryAsALine() {
        String out = run(true, true, p -> {
            p.onEvent(event(0));
            window(p, 0, 10_000, true);
        });
        List<JsonObject> lines = out.lines().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
        assertEquals(4, lines.size(), out);
        assertFalse(lines.get(0).has("type"), "a drop line stays the DropEvent's JSON");
        for (JsonObject s : lines.subList(1, 4)) {
            assertEquals("summary", s.get("type").getAsString());
        }
        assertEquals("10000", lines.get(1).get("count").getAsString());
        assertEquals("3", lines.get(3).get("detailed").getAsString(), "non-storming summaries too: they carry the totals");
    }

    @Test
    void aPseudoTerminalGetsTheBlockAndAPipeGetsLines(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Path cmd = tmp.resolve("run.sh");
        Files.writeString(cmd, "#!/bin/sh\nexec '" + java + "' -cp '" + cp + "' " + StormPrinterMain.class.getName() + "\n");
        cmd.toFile().setExecutable(true);
        // script(1) from util-linux runs the command on a new pseudo-terminal and copies what it prints.
        String tty = exec(List.of("script", "-q", "-e", "-c", cmd.toString(), "/dev/null"));
        assertTrue(tty.contains("\033[?7l-- STORM: 2 key(s) over their rate limit"), "block drawn with wrap off: " + tty);
        assertTrue(tty.contains("\033[3A\033[J"), "rewritten in place: " + tty);
        List<String> screen = Screen.render(tty.replace("\r\n", "\n"));
        assertEquals(6, screen.size(), String.join("\n", screen));
        assertTrue(screen.get(0).startsWith("TIME "), screen.get(0));
        assertTrue(screen.get(4).contains("198.51.100.0/24") && screen.get(4).contains("10001 drops"), screen.get(4));

        String piped = exec(List.of(cmd.toString()));
        assertFalse(piped.contains("\033"), piped);
        assertEquals(4, piped.lines().filter(l -> l.contains(" STORM ")).count(), piped);
    }

    private static String exec(List<String> argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), argv + " did not finish");
        assertEquals(0, p.exitValue(), argv + ": " + out);
        return out;
    }

    /** The final screen of a terminal fed this output: the few controls StormBlock uses, applied. */
    static final class Screen {
        static List<String> render(String s) {
            List<StringBuilder> lines = new ArrayList<>();
            lines.add(new StringBuilder());
            int row = 0;
            int col = 0;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\033' && i + 1 < s.length() && s.charAt(i + 1) == '[') {
                    int j = i + 2;
                    while (j < s.length() && !Character.isLetter(s.charAt(j))) {
                        j++;
                    }
                    String arg = s.substring(i + 2, j);
                    char op = s.charAt(j);
                    if (op == 'A') {
                        row = Math.max(0, row - Integer.parseInt(arg.isEmpty() ? "1" : arg));
                    } else if (op == 'J') {
                        while (lines.size() > row + 1) {
                            lines.remove(lines.size() - 1);
                        }
                        lines.get(row).setLength(Math.min(col, lines.get(row).length()));
                    } else if (!arg.equals("?7")) {
                        throw new AssertionError("unexpected control ESC[" + arg + op);
                    }
                    i = j;
                } else if (c == '\n') {
                    row++;
                    col = 0;
                    if (row == lines.size()) {
                        lines.add(new StringBuilder());
                    }
                } else if (c == '\r') {
                    col = 0;
                } else {
                    StringBuilder l = lines.get(row);
                    while (l.length() < col) {
                        l.append(' ');
                    }
                    if (col < l.length()) {
                        l.setCharAt(col, c);
                    } else {
                        l.append(c);
                    }
                    col++;
                }
            }
            List<String> out = new ArrayList<>();
            for (StringBuilder l : lines) {
                out.add(l.toString());
            }
            while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
                out.remove(out.size() - 1);
            }
            return out;
        }
    }
}
