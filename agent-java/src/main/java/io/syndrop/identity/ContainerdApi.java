package io.syndrop.identity;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.EventLoopGroup;
import io.syndrop.proto.containerd.containers.Container;
import io.syndrop.proto.containerd.containers.ContainersGrpc;
import io.syndrop.proto.containerd.containers.GetContainerRequest;
import io.syndrop.proto.containerd.tasks.GetRequest;
import io.syndrop.proto.containerd.tasks.ListTasksRequest;
import io.syndrop.proto.containerd.tasks.Process;
import io.syndrop.proto.containerd.tasks.TasksGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * containerd's own API over its unix socket: the containers service for labels and image, the
 * tasks service for init pids. containerd scopes everything by namespace (the
 * {@code containerd-namespace} header): the kubelet's CRI plugin uses {@code k8s.io}, {@code ctr}
 * uses {@code default}.
 */
final class ContainerdApi implements RuntimeApi {

    private static final Metadata.Key<String> NAMESPACE =
            Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);
    /** A container's record carries its OCI spec (a few KiB); a task list of thousands fits too. */
    private static final int MAX_MESSAGE = 4 * 1024 * 1024;
    /** The CRI plugin marks a pod's sandbox (pause) container with this label. */
    private static final String CRI_KIND = "io.cri-containerd.kind";

    private final Path socket;
    private final List<String> namespaces;
    private final Duration timeout;
    private final ManagedChannel channel;

    ContainerdApi(Path socket, List<String> namespaces, Duration timeout, EventLoopGroup group) {
        this.socket = socket;
        this.namespaces = List.copyOf(namespaces);
        this.timeout = timeout;
        this.channel = UnixSocketGrpc.open(socket, MAX_MESSAGE, group);
    }

    @Override
    public String runtime() {
        return "containerd";
    }

    @Override
    public Optional<RuntimeContainer> inspect(String id, String namespaceHint) throws RuntimeUnavailableException {
        Set<String> order = new LinkedHashSet<>();
        if (!namespaceHint.isEmpty()) {
            order.add(namespaceHint);
        }
        order.addAll(namespaces);
        for (String ns : order) {
            Optional<Container> c = getContainer(ns, id);
            if (c.isPresent()) {
                return Optional.of(toRuntimeContainer(c.get(), taskPid(ns, id)));
            }
        }
        return Optional.empty();
    }

    @Override
    public List<RuntimeTask> running() throws RuntimeUnavailableException {
        List<RuntimeTask> out = new ArrayList<>();
        for (String ns : namespaces) {
            List<Process> tasks;
            try {
                tasks = call(() -> tasks(ns).list(ListTasksRequest.getDefaultInstance()), "list tasks", ns)
                        .getTasksList();
            } catch (NotFound e) {
                continue; // a namespace nobody created yet
            }
            for (Process p : tasks) {
                if (p.getPid() > 0 && p.getStatus() == io.syndrop.proto.containerd.tasks.Status.RUNNING) {
                    // containerd 1.6 fills only id (the container's id, for a task's init process) in this list
                    String id = p.getContainerId().isEmpty() ? p.getId() : p.getContainerId();
                    out.add(new RuntimeTask(ns, id, p.getPid()));
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }

    private Optional<Container> getContainer(String ns, String id) throws RuntimeUnavailableException {
        try {
            return Optional.of(call(() -> containers(ns).get(GetContainerRequest.newBuilder().setId(id).build()),
                    "get container " + id, ns).getContainer());
        } catch (NotFound e) {
            return Optional.empty();
        }
    }

    private int taskPid(String ns, String id) throws RuntimeUnavailableException {
        try {
            return call(() -> tasks(ns).get(GetRequest.newBuilder().setContainerId(id).build()), "get task " + id, ns)
                    .getProcess().getPid();
        } catch (NotFound e) {
            return 0; // created, never started (or its task was deleted): no process
        }
    }

    private static RuntimeContainer toRuntimeContainer(Container c, int pid) {
        Map<String, String> l = c.getLabelsMap();
        ContainerInfo info = new ContainerInfo("containerd", c.getId(),
                l.getOrDefault(Labels.CONTAINER_NAME, c.getId()), c.getImage(), l.get(Labels.POD_UID),
                l.get(Labels.POD_NAMESPACE), l.get(Labels.POD_NAME));
        return new RuntimeContainer(info, pid, "sandbox".equals(l.get(CRI_KIND)));
    }

    private ContainersGrpc.ContainersBlockingStub containers(String ns) {
        return ContainersGrpc.newBlockingStub(channel).withInterceptors(header(ns))
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private TasksGrpc.TasksBlockingStub tasks(String ns) {
        return TasksGrpc.newBlockingStub(channel).withInterceptors(header(ns))
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static io.grpc.ClientInterceptor header(String ns) {
        Metadata m = new Metadata();
        m.put(NAMESPACE, ns);
        return MetadataUtils.newAttachHeadersInterceptor(m);
    }

    private interface Call<T> {
        T run();
    }

    /** Thrown inside this class only: containerd answered NOT_FOUND. */
    private static final class NotFound extends Exception {
        NotFound() {
            super(null, null, false, false);
        }
    }

    private <T> T call(Call<T> call, String what, String ns) throws RuntimeUnavailableException, NotFound {
        if (!Files.exists(socket)) {
            throw new RuntimeUnavailableException("no containerd socket at " + socket, true, null);
        }
        Optional<String> refused = SocketAccess.refusal(socket, "containerd");
        if (refused.isPresent()) {
            throw new RuntimeUnavailableException(refused.get(), false, null);
        }
        try {
            return call.run();
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.NOT_FOUND) {
                throw new NotFound();
            }
            throw new RuntimeUnavailableException("containerd at " + socket + " (namespace " + ns + ") could not "
                    + what + ": " + code + (code == Status.Code.DEADLINE_EXCEEDED ? " after " + timeout.toMillis()
                    + " ms" : "") + " " + e.getStatus().getDescription(), false, e);
        }
    }
}
