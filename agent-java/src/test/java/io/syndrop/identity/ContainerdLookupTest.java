package io.syndrop.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real containerd (its own root, state and socket) with containers labelled as the kubelet
 * labels them, each in its own network namespace, resolved by pid and by namespace inode.
 */
class ContainerdLookupTest {

    private static final String UID = "0f5e8c2a-3b7d-4e1f-9a6c-2d4b8e0f1a3c";

    private static Path work;
    private static ContainerdEngine engine;
    private RuntimeContainerLookup lookup;

    @BeforeAll
    static void startContainerd() throws Exception {
        Commands.requireRoot();
        work = Files.createTempDirectory(Path.of("/var/tmp"), "syndrop-image-");
        engine = ContainerdEngine.start(BusyboxImage.build(work));
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        try {
            if (engine != null) {
                engine.close();
            }
        } finally {
            if (work != null) {
                EngineCleanup.removeTrees(work);
            }
        }
    }

    /** One lookup per test: a namespace inode one test saw die (and cached as unknown) may be reused by the next. */
    @BeforeEach
    void openLookup() {
        lookup = RuntimeContainerLookup.open(ContainerRuntimeSockets.defaults().withContainerd(engine.socket)
                .withDocker(work.resolve("no-docker-here.sock")));
    }

    @AfterEach
    void closeLookup() {
        lookup.close();
    }

    @Test
    void ctrContainerIsNamedByPidAndNetnsUntilItIsRemoved() {
        run("default", "web-1", List.of(), "ingress-nginx", "ingress-nginx-controller-7d9", "controller");
        int pid = engine.taskPid("default", "web-1");
        long netns = Commands.netnsInode(pid);
        assertNotEquals(Commands.netnsInode(ProcessHandle.current().pid()), netns, "the container has its own netns");

        ContainerInfo expected = new ContainerInfo("containerd", "web-1", "controller", BusyboxImage.REF, "",
                "ingress-nginx", "ingress-nginx-controller-7d9");
        assertEquals(Optional.of(expected), lookup.byPid(pid));
        assertEquals(Optional.of(expected), lookup.byNetns(netns));
        // answered again from the cache, which checked the task is still that process
        assertEquals(Optional.of(expected), lookup.byNetns(netns));

        engine.remove("default", "web-1");
        assertEquals(Optional.empty(), lookup.byPid(pid), "a removed container's pid names nothing");
        assertEquals(Optional.empty(), lookup.byNetns(netns), "a removed container's netns names nothing");

        // the same id again, other labels: the cached name of the old one is not reused
        run("default", "web-1", List.of(), "shop", "cart-0", "cart");
        int again = engine.taskPid("default", "web-1");
        assertEquals(Optional.of(new ContainerInfo("containerd", "web-1", "cart", BusyboxImage.REF, "", "shop",
                "cart-0")), lookup.byPid(again));
        engine.remove("default", "web-1");
    }

    @Test
    void podContainersResolveToThemselvesAndTheirNetnsToTheSandbox() {
        // as the CRI plugin lays a pod out in namespace k8s.io: a sandbox holding the netns, a container joining it
        run("k8s.io", "sandbox-1", List.of("--label", "io.cri-containerd.kind=sandbox",
                "--label", "io.kubernetes.pod.uid=" + UID), "payments", "api-5c9d", null);
        int sandboxPid = engine.taskPid("k8s.io", "sandbox-1");
        long netns = Commands.netnsInode(sandboxPid);
        run("k8s.io", "app-1", List.of("--label", "io.cri-containerd.kind=container",
                "--label", "io.kubernetes.pod.uid=" + UID,
                "--with-ns", "network:/proc/" + sandboxPid + "/ns/net"), "payments", "api-5c9d", "api");
        int appPid = engine.taskPid("k8s.io", "app-1");
        assertEquals(netns, Commands.netnsInode(appPid), "the app container joined the sandbox's netns");

        assertEquals(Optional.of(new ContainerInfo("containerd", "app-1", "api", BusyboxImage.REF, UID, "payments",
                "api-5c9d")), lookup.byPid(appPid));
        assertEquals(Optional.of(new ContainerInfo("containerd", "sandbox-1", "sandbox-1", BusyboxImage.REF, UID,
                "payments", "api-5c9d")), lookup.byNetns(netns));

        engine.remove("k8s.io", "app-1");
        engine.remove("k8s.io", "sandbox-1");
        assertEquals(Optional.empty(), lookup.byPid(appPid));
        assertEquals(Optional.empty(), lookup.byNetns(netns));
    }

    @Test
    void hostProcessesAndTheHostNetnsAreNoContainer() {
        long self = ProcessHandle.current().pid();
        assertEquals(Optional.empty(), lookup.byPid((int) self));
        assertEquals(Optional.empty(), lookup.byNetns(Commands.netnsInode(self)));
        assertEquals(Optional.empty(), lookup.byPid(1));
    }

    @Test
    void withoutTheRuntimeSocketTheCgroupPathStillNamesTheContainer() {
        run("default", "blind-1", List.of(), "ingress-nginx", "edge-0", "edge");
        int pid = engine.taskPid("default", "blind-1");
        try (RuntimeContainerLookup blind = RuntimeContainerLookup.open(ContainerRuntimeSockets.defaults()
                .withContainerd(work.resolve("no-containerd-here.sock"))
                .withDocker(work.resolve("no-docker-here.sock")))) {
            assertEquals(Optional.of(new ContainerInfo("containerd", "blind-1", "", "", "", "", "")),
                    blind.byPid(pid));
            assertEquals(Optional.empty(), blind.byNetns(Commands.netnsInode(pid)));
        } finally {
            engine.remove("default", "blind-1");
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
        engine.ctr(ns, args.toArray(String[]::new));
    }
}
