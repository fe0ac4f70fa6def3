package io.syndrop.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bash completion the build generates (target/syndrop-completion.bash) completes commands and options in a real bash. */
class CompletionScriptTest {
    private static final Path SCRIPT = Path.of(System.getProperty("syndrop.top"), "agent-java", "target", "syndrop-completion.bash");

    /** What bash offers for the last word of {@code line}, as the completion function computes it. */
    private static String complete(String line) throws Exception {
        String script = "source " + SCRIPT + " 2>/dev/null\n"
                + "COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< \"$COMP_LINE\"\n"
                + "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
                + "_complete_syndrop 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void completesCommandsAndTheirOptions() throws Exception {
        assertTrue(Files.isRegularFile(SCRIPT), SCRIPT + " is not there: the build (process-classes) generates it");
        assertEquals("agent\n", complete("syndrop ag"));
        assertEquals("--queue-max\n", complete("syndrop agent --queue"));
        assertTrue(complete("syndrop collect --s").contains("--sink\n"), complete("syndrop collect --s"));
        assertTrue(complete("syndrop watch --").contains("--ringbuf-bytes\n"));
    }
}
