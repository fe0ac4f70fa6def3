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
                String tail = ref.startsWith("/") ? ref : "/" + ref;
                // A relative link (docs/x.md citing ../README.md) is checked where it points.
                boolean relativeHit = ref.startsWith(".") && Files.isRegularFile(f.getParent().resolve(ref).normalize());
                if (!relativeHit && existing.stream().noneMatch(e -> e.endsWith(tail))) {
                    missing.add(top.relativize(f) + " cites " + ref);
                }
            }
        }
        assertEquals(List.of(), missing, "cited files that are not in the repository");
    }

}
