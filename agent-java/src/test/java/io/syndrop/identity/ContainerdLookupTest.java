package io.syndrop.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real containerd (its own root, state and socket) with containers labelled as the kubelet
 * labels them, each in its own network namespace, resolved by pid and by namespace inode.
 */
class ContainerdLookupTest {

    @RegisterExtension
    static final ContainerEngineExtension engines = ContainerEngineExtension.withContainerd();

    private static final String UID = "0f5e8c2a-3b7d-4e1f-9a6c-2d4b8e0f1a3c";

    @Test
    void ctrContainerIsNamedByPidAndNetnsUntilItIsRemoved() {
        run("default", "web-1", List.of(), "ingress-nginx", "ingress-nginx-controller-7d9", "controller");
        int pid = engines.containerd().taskPid("default", "web-1");
        long netns = Commands.netnsInode(pid);
        assertNotEquals(Commands.netnsInode(ProcessHandle.current().pid()), netns, "the container has its own netns");

        ContainerInfo expected = new ContainerInfo("containerd", "web-1", "controller", BusyboxImage.REF, "",
                "ingress-nginx", "ingress-nginx-controller-7d9");
        assertEquals(Optional.of(expected), engines.lookup().byPid(pid));
        assertEquals(Optional.of(expected), engines.lookup().byNetns(netns));
        // answered again from the cache, which checked the task is still that process
        assertEquals(Optional.of(expected), engines.lookup().byNetns(netns));

        engines.containerd().remove("default", "web-1");
        assertEquals(Optional.empty(), engines.lookup().byPid(pid), "a removed container's pid names nothing");
        assertEquals(Optional.empty(), engines.lookup().byNetns(netns), "a removed container's netns names nothing");

        // the same id again, other labels: the cached name of the old one is not reused
        run("default", "web-1", List.of(), "shop", "cart-0", "cart");
        int again = engines.containerd().taskPid("default", "web-1");
        assertEquals(Optional.of(new ContainerInfo("containerd", "web-1", "cart", BusyboxImage.REF, "", "shop",
                "cart-0")), engines.lookup().byPid(again));
        engines.containerd().remove("default", "web-1");
    }

    @Test
    void podContainersResolveToThemselvesAndTheirNetnsToTheSandbox() {
        // as the CRI plugin lays a pod out in namespace k8s.io: a sandbox holding the netns, a container joining it
        run("k8s.io", "sandbox-1", List.of("--label", "io.cri-containerd.kind=sandbox",
                "--label", "io.kubernetes.pod.uid=" + UID), "payments", "api-5c9d", null);
        int sandboxPid = engines.containerd().taskPid("k8s.io", "sandbox-1");
        long netns = Commands.netnsInode(sandboxPid);
        run("k8s.io", "app-1", List.of("--label", "io.cri-containerd.kind=container",
                "--label", "io.kubernetes.pod.uid=" + UID,
                "--with-ns", "network:/proc/" + sandboxPid + "/ns/net"), "payments", "api-5c9d", "api");
        int appPid = engines.containerd().taskPid("k8s.io", "app-1");
        assertEquals(netns, Commands.netnsInode(appPid), "the app container joined the sandbox's netns");

        assertEquals(Optional.of(new ContainerInfo("containerd", "app-1", "api", BusyboxImage.REF, UID, "payments",
                "api-5c9d")), engines.lookup().byPid(appPid));
        assertEquals(Optional.of(new ContainerInfo("containerd", "sandbox-1", "sandbox-1", BusyboxImage.REF, UID,
                "payments", "api-5c9d")), engines.lookup().byNetns(netns));

        engines.containerd().remove("k8s.io", "app-1");
        engines.containerd().remove("k8s.io", "sandbox-1");
        assertEquals(Optional.empty(), engines.lookup().byPid(appPid));
        assertEquals(Optional.empty(), engines.lookup().byNetns(netns));
    }

    @Test
    void hostProcessesAndTheHostNetnsAreNoContainer() {
        long self = ProcessHandle.current().pid();
        assertEquals(Optional.empty(), engines.lookup().byPid((int) self));
        assertEquals(Optional.empty(), engines.lookup().byNetns(Commands.netnsInode(self)));
        assertEquals(Optional.empty(), engines.lookup().byPid(1));
    }

    @Test
    void withoutTheRuntimeSocketTheCgroupPathStillNamesTheContainer() {
        run("default", "blind-1", List.of(), "ingress-nginx", "edge-0", "edge");
        int pid = engines.containerd().taskPid("default", "blind-1");
        try (RuntimeContainerLookup blind = RuntimeContainerLookup.open(engines.noSockets())) {
            assertEquals(Optional.of(new ContainerInfo("containerd", "blind-1", "", "", "", "", "")),
                    blind.byPid(pid));
            assertEquals(Optional.empty(), blind.byNetns(Commands.netnsInode(pid)));
        } finally {
            engines.containerd().remove("default", "blind-1");
        }
    }

    private static void run(String ns, String id, List<String> extra, String podNamespace, String podName,
                            String containerName) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "-d",
                "--label", "io.kubernetes.pod.namespace=" + podNamespace,
                "--label", "io.kubernetes.pod.name=" + podName));
        if (containerName != null) {
            args.addAll(List.of("--label", "io.kubernetes.container.name=" + containerName));
        }
        args.addAll(extra);
        args.addAll(List.of(BusyboxImage.REF, id, "/bin/sleep", "300"));
        engines.containerd().ctr(ns, args.toArray(String[]::new));
    }
}
