package io.syndrop.identity;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.channel.EventLoopGroup;
import io.syndrop.proto.cri.Container;
import io.syndrop.proto.cri.ContainerFilter;
import io.syndrop.proto.cri.ContainerState;
import io.syndrop.proto.cri.ContainerStateValue;
import io.syndrop.proto.cri.ContainerStatus;
import io.syndrop.proto.cri.ContainerStatusRequest;
import io.syndrop.proto.cri.ContainerStatusResponse;
import io.syndrop.proto.cri.ListContainersRequest;
import io.syndrop.proto.cri.ListPodSandboxRequest;
import io.syndrop.proto.cri.PodSandbox;
import io.syndrop.proto.cri.PodSandboxFilter;
import io.syndrop.proto.cri.PodSandboxMetadata;
import io.syndrop.proto.cri.PodSandboxState;
import io.syndrop.proto.cri.PodSandboxStateValue;
import io.syndrop.proto.cri.PodSandboxStatusRequest;
import io.syndrop.proto.cri.PodSandboxStatusResponse;
import io.syndrop.proto.cri.RuntimeServiceGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The Kubernetes Container Runtime Interface ({@code runtime.v1.RuntimeService}) over a runtime's
 * unix socket: what {@code crictl inspect} and {@code crictl inspectp} show. CRI-O serves it on
 * its socket, and so does containerd's CRI plugin; syndrop asks it for CRI-O (containerd is
 * asked through its own API, which also knows the containers {@code ctr} made).
 *
 * <p>A container is read with {@code ContainerStatus(verbose)}: its labels (the kubelet's pod
 * namespace, name and uid, container name), image, and from the verbose {@code info} its init
 * pid and sandbox. Where the labels do not name the pod (a container not made by the kubelet), the
 * sandbox's own metadata does ({@code PodSandboxStatus}). An id that is no container may be a pod
 * sandbox (the pod's infra process that holds its network namespace).
 */
final class CriApi implements RuntimeApi {

    /** A verbose status carries the container's OCI spec (a few KiB); a list of thousands fits too. */
    private static final int MAX_MESSAGE = 4 * 1024 * 1024;
    /** Running containers plus ready sandboxes read per listing (bounded memory; the lookup says so). */
    static final int MAX_LISTED = 4096;
    /** CRI ids are hex (CRI-O, containerd); nothing stranger is sent. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final String INFO = "info";

    private final String runtime;
    private final Path socket;
    private final Duration timeout;
    private final ManagedChannel channel;

    /** @param runtime the {@link ContainerInfo#runtime()} this socket's containers get, e.g. "cri-o" */
    CriApi(String runtime, Path socket, Duration timeout, EventLoopGroup group) {
        this.runtime = runtime;
        this.socket = socket;
        this.timeout = timeout;
        this.channel = UnixSocketGrpc.open(socket, MAX_MESSAGE, group);
    }

    @Override
    public String runtime() {
        return runtime;
    }

    @Override
    public Optional<RuntimeContainer> inspect(String id, String namespaceHint) throws RuntimeUnavailableException {
        if (!ID.matcher(id).matches()) {
            return Optional.empty();
        }
        try {
            ContainerStatusResponse r = call(() -> stub().containerStatus(ContainerStatusRequest.newBuilder()
                    .setContainerId(id).setVerbose(true).build()), "get the status of container " + id);
            return Optional.of(container(r));
        } catch (NotFound notAContainer) {
            try {
                return Optional.of(sandbox(sandboxStatus(id)));
            } catch (NotFound noSandbox) {
                return Optional.empty();
            }
        }
    }

    @Override
    public List<RuntimeTask> running() throws RuntimeUnavailableException {
        List<RuntimeTask> out = new ArrayList<>();
        try {
            List<PodSandbox> sandboxes = call(() -> stub().listPodSandbox(ListPodSandboxRequest.newBuilder()
                    .setFilter(PodSandboxFilter.newBuilder().setState(PodSandboxStateValue.newBuilder()
                            .setState(PodSandboxState.SANDBOX_READY))).build()), "list pod sandboxes").getItemsList();
            for (PodSandbox s : sandboxes) {
                if (out.size() < MAX_LISTED) {
                    out.add(new RuntimeTask("", s.getId(), 0));
                }
            }
            List<Container> containers = call(() -> stub().listContainers(ListContainersRequest.newBuilder()
                    .setFilter(ContainerFilter.newBuilder().setState(ContainerStateValue.newBuilder()
                            .setState(ContainerState.CONTAINER_RUNNING))).build()), "list containers")
                    .getContainersList();
            for (Container c : containers) {
                if (out.size() < MAX_LISTED) {
                    out.add(new RuntimeTask("", c.getId(), 0));
                }
            }
        } catch (NotFound e) {
            throw new RuntimeUnavailableException(runtime + " at " + socket + " answered NOT_FOUND to a list", false, e);
        }
        return out;
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }

    private RuntimeContainer container(ContainerStatusResponse r) throws RuntimeUnavailableException {
        ContainerStatus s = r.getStatus();
        Map<String, String> l = s.getLabelsMap();
        JsonObject info = info(r.getInfoMap());
        String podNamespace = l.get(Labels.POD_NAMESPACE);
        String podName = l.get(Labels.POD_NAME);
        String podUid = l.get(Labels.POD_UID);
        String sandboxId = string(info, "sandboxID");
        if ((podNamespace == null || podName == null) && !sandboxId.isEmpty()) {
            try {
                PodSandboxMetadata m = sandboxStatus(sandboxId).getStatus().getMetadata();
                podNamespace = m.getNamespace();
                podName = m.getName();
                podUid = podUid == null ? m.getUid() : podUid;
            } catch (NotFound gone) {
                // the sandbox went meanwhile: the container is named without its pod
            }
        }
        String name = l.getOrDefault(Labels.CONTAINER_NAME, s.getMetadata().getName());
        String image = s.getImage().getImage().isEmpty() ? s.getImageRef() : s.getImage().getImage();
        int pid = s.getState() == ContainerState.CONTAINER_RUNNING ? pid(info) : 0;
        return new RuntimeContainer(new ContainerInfo(runtime, s.getId(), name, image, podUid, podNamespace, podName),
                pid, false);
    }

    private RuntimeContainer sandbox(PodSandboxStatusResponse r) {
        PodSandboxMetadata m = r.getStatus().getMetadata();
        int pid = r.getStatus().getState() == PodSandboxState.SANDBOX_READY ? pid(info(r.getInfoMap())) : 0;
        // the sandbox's infra process is no workload: it names the pod, not a container
        return new RuntimeContainer(new ContainerInfo(runtime, r.getStatus().getId(), "", "", m.getUid(),
                m.getNamespace(), m.getName()), pid, true);
    }

    private PodSandboxStatusResponse sandboxStatus(String id) throws RuntimeUnavailableException, NotFound {
        return call(() -> stub().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id)
                .setVerbose(true).build()), "get the status of pod sandbox " + id);
    }

    /** The verbose "info" value: a JSON object (runtime-specific; containerd and CRI-O both put "pid" there). */
    private static JsonObject info(Map<String, String> infoMap) {
        String json = infoMap.get(INFO);
        if (json == null) {
            return new JsonObject();
        }
        try {
            JsonElement e = JsonParser.parseString(json);
            return e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
        } catch (JsonParseException e) {
            return new JsonObject(); // not JSON: no pid from it, the container is still named
        }
    }

    private static int pid(JsonObject info) {
        JsonElement p = info.get("pid");
        try {
            return p != null && p.isJsonPrimitive() && p.getAsJsonPrimitive().isNumber() ? Math.max(0, p.getAsInt()) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : "";
    }

    private RuntimeServiceGrpc.RuntimeServiceBlockingStub stub() {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private interface Call<T> {
        T run();
    }

    /** Thrown inside this class only: the runtime answered NOT_FOUND. */
    private static final class NotFound extends Exception {
        NotFound() {
            super(null, null, false, false);
        }
    }

    private <T> T call(Call<T> call, String what) throws RuntimeUnavailableException, NotFound {
        if (!Files.exists(socket)) {
            throw new RuntimeUnavailableException("no " + runtime + " socket at " + socket, true, null);
        }
        try {
            return call.run();
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.NOT_FOUND) {
                throw new NotFound();
            }
            String hint = code == Status.Code.UNIMPLEMENTED
                    ? " (this socket does not serve the Kubernetes CRI runtime.v1: is it " + runtime + "'s?)" : "";
            throw new RuntimeUnavailableException(runtime + " at " + socket + " could not " + what + ": " + code
                    + (code == Status.Code.DEADLINE_EXCEEDED ? " after " + timeout.toMillis() + " ms" : "") + " "
                    + e.getStatus().getDescription() + hint, false, e);
        }
    }
}
