package io.syndrop.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Cgroup path shapes as runtimes and the kubelet write them, and host paths that name no container. */
class CgroupContainerTest {

    private static final Set<String> NAMESPACES = Set.of("k8s.io", "default");
    private static final String ID = "3f1c9a0b7e2d4c5f8a6b1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b";
    private static final String OUTER = "aaaa9a0b7e2d4c5f8a6b1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b";
    private static final String UID = "8f2d5b1e-6c3a-4e9f-b0d7-1a2b3c4d5e6f";
    private static final String UID_ = UID.replace('-', '_');

    static Stream<Arguments> shapes() {
        return Stream.of(
                // Docker, cgroupfs driver, cgroup v1
                shape("12:memory:/docker/" + ID, "docker", ID, "", ""),
                // Docker, systemd driver, cgroup v2
                shape("0::/system.slice/docker-" + ID + ".scope", "docker", ID, "", ""),
                // systemd inside a Docker container (cgroup namespace off): the scope's child
                shape("0::/system.slice/docker-" + ID + ".scope/init.scope", "docker", ID, "", ""),
                // ctr run (containerd namespace default), hybrid v1 + unified, as seen on this machine kind
                shape("12:pids:/default/c1\n1:name=systemd:/default/c1\n0::/default/c1", "containerd", "c1", "",
                        "default"),
                shape("0::/k8s.io/" + ID, "containerd", ID, "", "k8s.io"),
                // kubelet cgroupfs driver (v1): the runtime is not in the path
                shape("11:cpu,cpuacct:/kubepods/burstable/pod" + UID + "/" + ID, "", ID, UID, ""),
                shape("4:memory:/kubepods/besteffort/pod" + UID + "/" + ID, "", ID, UID, ""),
                // Guaranteed QoS has no QoS level in the path
                shape("4:memory:/kubepods/pod" + UID + "/" + ID, "", ID, UID, ""),
                // static pod: its uid is a 32-digit hash, no dashes
                shape("0::/kubepods/burstable/pod6b8a1c1f0b3f4d2a9e8c7b6a5d4c3b2a/" + ID, "", ID,
                        "6b8a1c1f0b3f4d2a9e8c7b6a5d4c3b2a", ""),
                // CRI-O without a kubelet cgroup parent (cgroupfs driver): /crio/<id>
                shape("4:memory:/crio/" + ID, "cri-o", ID, "", ""),
                // CRI-O, cgroupfs driver
                shape("0::/kubepods/besteffort/pod" + UID + "/crio-" + ID, "cri-o", ID, UID, ""),
                // kubelet + containerd, systemd driver, cgroup v2
                shape("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_
                        + ".slice/cri-containerd-" + ID + ".scope", "containerd", ID, UID, ""),
                shape("0::/kubepods.slice/kubepods-pod" + UID_ + ".slice/cri-containerd-" + ID + ".scope",
                        "containerd", ID, UID, ""),
                // kubelet + CRI-O, systemd driver
                shape("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID_
                        + ".slice/crio-" + ID + ".scope", "cri-o", ID, UID, ""),
                // kubelet + Docker (dockershim / cri-dockerd), systemd driver
                shape("1:name=systemd:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_
                        + ".slice/docker-" + ID + ".scope", "docker", ID, UID, ""),
                // kubelet on systemd, containerd on cgroupfs: the "slice:prefix:id" parent taken literally
                shape("0::/system.slice/containerd.service/kubepods-burstable-pod" + UID_ + ".slice:cri-containerd:"
                        + ID, "containerd", ID, UID, ""),
                // kind node: a pod's container inside the node's Docker container; the innermost one counts
                shape("0::/system.slice/docker-" + OUTER + ".scope/kubelet.slice/kubelet-kubepods.slice/"
                        + "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" + UID_
                        + ".slice/cri-containerd-" + ID + ".scope", "containerd", ID, UID, ""),
                shape("5:cpuset:/docker/" + OUTER + "/kubepods/burstable/pod" + UID + "/" + ID, "", ID, UID, ""),
                // a host line first, the container's line later (hybrid hierarchy)
                shape("0::/\n3:memory:/docker/" + ID, "docker", ID, "", ""));
    }

    static Stream<String> hostPaths() {
        return Stream.of(
                "0::/",
                "0::/init.scope",
                "0::/user.slice/user-0.slice/session-3.scope",
                "0::/system.slice/containerd.service",
                "0::/system.slice/docker.service",
                // CRI-O's conmon monitors a container but is none
                "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID_ + ".slice/crio-conmon-"
                        + ID + ".scope",
                // the pod's own cgroup holds no process of a container
                "0::/kubepods/burstable/pod" + UID,
                // a two-level path under a namespace containerd was not told about
                "0::/machine/c1",
                "0::/default",
                "0::/default/bad id!",
                "0::/docker/not-hex",
                "12:memory:/docker/" + ID.substring(1),
                "no colons here",
                "");
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void namesTheContainer(String procCgroup, CgroupContainer expected) {
        assertEquals(Optional.of(expected), CgroupContainer.fromProcCgroup(procCgroup, NAMESPACES), procCgroup);
    }

    @ParameterizedTest
    @MethodSource("hostPaths")
    void hostProcessesHaveNone(String procCgroup) {
        assertEquals(Optional.empty(), CgroupContainer.fromProcCgroup(procCgroup, NAMESPACES), procCgroup);
    }

    @Test
    void aFileFarLongerThanAnyCgroupFileIsNotParsed() {
        String huge = "0::/docker/" + ID + "\n" + "x".repeat(CgroupContainer.MAX_CGROUP_FILE);
        assertEquals(Optional.empty(), CgroupContainer.fromProcCgroup(huge, NAMESPACES));
    }

    private static Arguments shape(String procCgroup, String runtime, String id, String podUid, String ns) {
        return Arguments.of(procCgroup, new CgroupContainer(runtime, id, podUid, ns));
    }
}
