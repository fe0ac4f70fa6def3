package io.syndrop.bcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The BCC program's version branches, compiled by plain clang as they would be on kernels we
 * cannot run here (no kernel before 4.12 is available): syndrop.h + syndrop_bcc.c with
 * LINUX_VERSION_CODE of 3.16 (tw_recycle era, per-netns metrics table, listen_opt), 4.9
 * (tw_recycle era, global metrics table) and 6.1, against stand-in kernel declarations
 * (test resource bcc/kernel-stubs.h). -Wall -Werror: an unused variable in a legacy branch
 * fails too. This catches syntax and name errors in the legacy path, nothing more.
 */
class BccLegacySyntaxTest {

    @ParameterizedTest(name = "Linux {0}.{1}")
    @CsvSource({"3,16", "4,9", "4,11", "6,1"})
    void programTextCompilesForKernel(int major, int minor) throws Exception {
        Path dir = Files.createTempDirectory("syndrop-bcc-syntax-");
        try {
            Path stubs = dir.resolve("kernel-stubs.h");
            Files.writeString(stubs, BccProgram.resource("/bcc/kernel-stubs.h"));
            Path main = dir.resolve("main.c");
            Files.writeString(main, BccProgram.text());
            int code = (major << 16) + (minor << 8);
            List<String> cmd = new ArrayList<>(List.of("clang", "-fsyntax-only", "-Wall", "-Werror",
                    "-Wno-unused-function", "-DSYNDROP_SYNTAX_CHECK", "-DLINUX_VERSION_CODE=" + code,
                    "-include", stubs.toString()));
            cmd.addAll(BccProgram.cflags(new BccProgram.Settings(0, 0, 0xffffffff81000000L, 0xffffffff81000008L, 0xffffffff82000000L)));
            cmd.add(main.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "clang timed out");
            assertEquals(0, p.exitValue(), "clang -fsyntax-only for " + major + "." + minor + ":\n" + out);
            assertTrue(out.isBlank(), out);
        } finally {
            KernelHeadersFixture.run(List.of("rm", "-rf", dir.toString()));
        }
    }
}
