package io.syndrop.identity;

/**
 * What is known about the container (and Kubernetes pod) a process or a network namespace belongs
 * to. Any field the runtime or the cgroup path did not tell is the empty string, never null, so an
 * event can always be sent at once with what is known.
 *
 * @param runtime       "containerd", "docker", "cri-o" (from the cgroup path or the API that answered)
 * @param containerId   the runtime's full container id
 * @param containerName the kubelet's {@code io.kubernetes.container.name}, else the runtime's own name
 * @param image         the image reference the container was created from
 * @param podUid        the pod UID from the cgroup path ({@code kubepods...pod<uid>})
 * @param podNamespace  {@code io.kubernetes.pod.namespace}
 * @param podName       {@code io.kubernetes.pod.name}
 */
public record ContainerInfo(String runtime, String containerId, String containerName, String image,
                            String podUid, String podNamespace, String podName) {

    public static final ContainerInfo UNKNOWN = new ContainerInfo("", "", "", "", "", "", "");

    public ContainerInfo {
        runtime = orEmpty(runtime);
        containerId = orEmpty(containerId);
        containerName = orEmpty(containerName);
        image = orEmpty(image);
        podUid = orEmpty(podUid);
        podNamespace = orEmpty(podNamespace);
        podName = orEmpty(podName);
    }

    public boolean isKnown() {
        return !containerId.isEmpty();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
