package io.syndrop.identity;

/** The label keys the kubelet puts on every container it creates (through CRI, or dockershim for Docker). */
final class Labels {
    static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    static final String POD_NAME = "io.kubernetes.pod.name";
    static final String POD_UID = "io.kubernetes.pod.uid";
    static final String CONTAINER_NAME = "io.kubernetes.container.name";

    private Labels() {
    }
}
