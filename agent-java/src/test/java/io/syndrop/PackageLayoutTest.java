package io.syndrop;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
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
            "io.syndrop.bcc..", "io.syndrop.filter..", "io.syndrop.format..", "io.syndrop.input.."};
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
