package io.syndrop.cli;

import io.syndrop.filter.EventFilter;
import io.syndrop.input.UsageException;
import io.syndrop.proto.v1.DropEvent;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --pod, --k8s-namespace, --container and --process as watch and agent take them (FilterOptions). */
class WorkloadOptionsTest {
    private static final DropEvent NGINX = DropEvent.newBuilder().setProcessPid(812).setProcessComm("nginx")
            .setContainerId("3f4e5d6c7b8a9f0e").setContainerName("controller")
            .setPodNamespace("ingress-nginx").setPodName("ingress-nginx-controller-7d9").build();

    private static EventFilter filter(String... args) {
        FilterOptions o = new FilterOptions();
        new CommandLine(o).parseArgs(args);
        return o.filter();
    }

    @Test
    void eachOptionFiltersOnTheResolvedIdentity() {
        assertTrue(filter("--pod", "ingress-nginx/ingress-nginx-controller-7d9").matches(NGINX));
        assertFalse(filter("--pod", "default/web").matches(NGINX));
        assertTrue(filter("--k8s-namespace", "kube-system,ingress-nginx").matches(NGINX));
        assertTrue(filter("--container", "controller").matches(NGINX));
        assertTrue(filter("--process", "nginx", "--process", "1").matches(NGINX));
        assertTrue(filter("--process", "812").matches(NGINX));
        assertFalse(filter("--process", "812").matches(DropEvent.getDefaultInstance()), "an unnamed drop is nobody's");
        assertEquals(1, filter("--pod", "a/b").toProto().getPodsCount(), "Watch/Subscribe requests carry it");
    }

    @Test
    void badValuesNameTheOption() {
        UsageException e = assertThrows(UsageException.class, () -> filter("--pod", "nginx"));
        assertTrue(e.getMessage().startsWith("--pod: 'nginx' is not NAMESPACE/NAME"), e.getMessage());
        UsageException p = assertThrows(UsageException.class, () -> filter("--process", " "));
        assertTrue(p.getMessage().startsWith("--process:"), p.getMessage());
    }
}
