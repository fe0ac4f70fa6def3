package io.syndrop;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The package layout the README's Layout table describes, checked over the compiled main classes:
 * packages form no cycle, and the kernel-facing and formatting layers never reach up into the
 * commands, the agent runtime, the collector or its transport. A new import that breaks either
 * fails the build here, naming the classes involved.
 */
class PackageLayoutTest {
    /** Layers that everything else builds on; they must stay usable without the runtimes above. */
    static final String[] LOWER = {"io.syndrop.os..", "io.syndrop.event..", "io.syndrop.probe..",
            "io.syndrop.bcc..", "io.syndrop.filter..", "io.syndrop.format..", "io.syndrop.input..", "io.syndrop.pcap.."};
    static final String[] UPPER = {"io.syndrop.cli..", "io.syndrop.agent..", "io.syndrop.collector..",
            "io.syndrop.sink..", "io.syndrop.wire..", "io.syndrop.doctor..", "io.syndrop.demo.."};

    static JavaClasses mainClasses() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("io.syndrop");
        // An empty import would make every rule pass: insist on finding the product's own classes.
        assertTrue(classes.contain("io.syndrop.cli.Main") && classes.contain("io.syndrop.probe.LiveProbe"),
                "the compiled main classes (target/classes) were not found on the test class path");
        return classes;
    }

    /** Each package right under {@code root} (with its subpackages) is one slice; no two may import each other. */
    static ArchRule noCycles(String root) {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles();
    }

    static ArchRule lowerLayersDoNotReachUp() {
        return noClasses().that().resideInAnyPackage(LOWER)
                .should().dependOnClassesThat().resideInAnyPackage(UPPER);
    }

    /** One JNA binding per native library: libc in os, libbcc in bcc, our shim in probe. */
    @Test
    void eachNativeLibraryHasOneBinding() {
        List<String> bindings = mainClasses().stream()
                .filter(c -> c.isInterface() && c.isAssignableTo(com.sun.jna.Library.class))
                .map(c -> c.getName()).sorted().toList();
        assertEquals(List.of("io.syndrop.bcc.LibBcc", "io.syndrop.os.Libc", "io.syndrop.probe.ShimLibrary"), bindings);
    }

    /** README's Layout table has a row for every package, so a newcomer finds each one there. */
    @Test
    void readmeListsEveryPackage() throws java.io.IOException {
        java.nio.file.Path readme = java.nio.file.Path.of(System.getProperty("syndrop.top", ".."), "README.md");
        String text = java.nio.file.Files.readString(readme);
        List<String> missing = mainClasses().stream()
                .map(c -> c.getPackageName())
                .filter(p -> p.startsWith("io.syndrop.") && !p.startsWith("io.syndrop.proto"))
                .map(p -> p.substring("io.syndrop.".length()).split("\\.")[0])
                .distinct().sorted()
                .filter(p -> !text.contains("| `" + p + "` |"))
                .toList();
        assertEquals(List.of(), missing, "packages without a row in " + readme + "'s Layout table (add `| `name` | what |`)");
    }

    /** Attaching goes through LiveAttach: no command or runtime plans an attach by hand. */
    @Test
    void onlyTheProbePackagePlansAnAttach() {
        noClasses().that().resideOutsideOfPackage("io.syndrop.probe..")
                .should().dependOnClassesThat().haveFullyQualifiedName("io.syndrop.probe.AttachPlanner")
                .check(mainClasses());
    }

    @Test
    void packagesHaveNoImportCycle() {
        noCycles("io.syndrop").check(mainClasses());
    }

    /** The rule itself must catch a cycle: two test-only packages that import each other. */
    @Test
    void theCycleRuleFailsOnACycle() {
        JavaClasses cyclic = new ClassFileImporter().importPackages("io.syndrop.layoutfixture");
        assertTrue(cyclic.contain("io.syndrop.layoutfixture.upper.Caller")
                && cyclic.contain("io.syndrop.layoutfixture.lower.Callee"), "the cycle fixture was not compiled");
        AssertionError e = assertThrows(AssertionError.class, () -> noCycles("io.syndrop.layoutfixture").check(cyclic));
        assertTrue(e.getMessage().contains("Cycle detected"), e.getMessage());
    }

    @Test
    void lowerLayersDoNotDependOnTheRuntimesAboveThem() {
        lowerLayersDoNotReachUp().check(mainClasses());
    }
}
