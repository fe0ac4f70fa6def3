package io.syndrop.it;

import io.syndrop.ProjectVersion;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `syndrop --version` and `syndrop version` name the version and the commit the jar was built from. */
class VersionJarIT {
    @Test
    void printsVersionAndTheCommitOfThisCheckout() throws Exception {
        String head = checkoutCommit();
        for (String verb : List.of("--version", "version")) {
            try (JarProcess p = JarProcess.start(null, verb)) {
                String line = p.awaitStdout(l -> l.startsWith("syndrop "), Duration.ofSeconds(30));
                assertTrue(line.matches("syndrop " + java.util.regex.Pattern.quote(ProjectVersion.VALUE)
                        + " \\(commit " + head + "(-dirty)?\\)"), line + " should name version " + ProjectVersion.VALUE + " and HEAD " + head);
                assertEquals(0, p.process().waitFor());
            }
        }
    }

    @Test
    void outsideGitTheCommitIsUnknown() throws Exception {
        Path dir = Files.createTempDirectory("syndrop-nogit");
        Path scripts = Files.createDirectories(dir.resolve("scripts"));
        Files.copy(Path.of(System.getProperty("syndrop.top"), "scripts", "commit-properties.sh"), scripts.resolve("commit-properties.sh"));
        Path out = dir.resolve("out/commit.properties");
        // GIT_CEILING_DIRECTORIES keeps git from finding a repository above the temporary directory.
        run(List.of("sh", scripts.resolve("commit-properties.sh").toString(), out.toString()), dir.getParent().toString());
        assertTrue(Files.readString(out, StandardCharsets.UTF_8).contains("\ncommit=unknown\n"), Files.readString(out));
    }

    /**
     * HEAD of this checkout as git says, or "unknown" where the tree is no git checkout or git is not
     * installed (a brand-new machine given an exported tree): what the jar must then say as well.
     */
    private static String checkoutCommit() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("git", "-C", System.getProperty("syndrop.top"), "rev-parse", "--verify", "-q", "HEAD")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (java.io.IOException noGit) {
            return "unknown";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.waitFor() == 0 && !out.isEmpty() ? out : "unknown";
    }

    private static String run(List<String> cmd, String ceiling) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (ceiling != null) {
            pb.environment().put("GIT_CEILING_DIRECTORIES", ceiling);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + " failed: " + out);
        return out;
    }
}
