package io.syndrop;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every Markdown file the sources, scripts and docs cite is in this repository. */
class DocReferencesTest {
    private static final Pattern MD = Pattern.compile("[A-Za-z0-9_./-]*[A-Za-z0-9_-]\\.md\\b");
    private static final Set<String> SKIP_DIRS = Set.of(".git", "target", "node_modules");

    @Test
    void citedMarkdownFilesExist() throws IOException {
        Path top = Path.of(System.getProperty("syndrop.top", "..")).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(top.resolve("README.md")), "syndrop.top " + top + " is not the repository top");
        List<Path> files = new ArrayList<>();
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return SKIP_DIRS.contains(dir.getFileName().toString()) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    files.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        List<String> existing = files.stream().map(p -> "/" + top.relativize(p).toString().replace('\\', '/')).toList();
        List<String> missing = new ArrayList<>();
        for (Path f : files) {
            String text;
            try {
                text = Files.readString(f, StandardCharsets.UTF_8);
            } catch (MalformedInputException binary) {
                continue;
            }
            Matcher m = MD.matcher(text);
            while (m.find()) {
                String ref = m.group();
                if (builtFromVariable(text, m.start())) {
                    continue;
                }
                String tail = ref.startsWith("/") ? ref : "/" + ref;
                // A relative link (one that starts with a dot) is checked where it points.
                boolean relativeHit = ref.startsWith(".") && Files.isRegularFile(f.getParent().resolve(ref).normalize());
                if (!relativeHit && existing.stream().noneMatch(e -> e.endsWith(tail))) {
                    missing.add(top.relativize(f) + " cites " + ref);
                }
            }
        }
        assertEquals(List.of(), missing, "cited files that are not in the repository");
    }

    /** A name a script builds from a variable ({@code storm-$STAMP.md}) is output, not a citation. */
    static boolean builtFromVariable(String text, int start) {
        for (int i = start - 1; i >= 0; i--) {
            char c = text.charAt(i);
            if (c == '$' || c == '}') {
                return true;
            }
            if (Character.isWhitespace(c) || c == '/' || c == '(' || c == '`' || c == '"' || c == '\'' || c == '[') {
                return false;
            }
        }
        return false;
    }

    @Test
    void namesBuiltFromShellVariablesAreNotCitations() {
        // The names are split so that this file cites nothing itself.
        String md = "." + "md";
        String script = "RES=$TOP/bench/results/storm-$STAMP" + md;
        assertTrue(builtFromVariable(script, script.indexOf("STAMP" + md)));
        String doc = "see docs/wire" + md;
        assertEquals(false, builtFromVariable(doc, doc.indexOf("docs/wire" + md)));
        String braced = "OUT=results/${STAMP}-storm" + md;
        assertTrue(builtFromVariable(braced, braced.indexOf("-storm" + md)));
    }

}
