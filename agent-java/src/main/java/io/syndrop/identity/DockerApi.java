package io.syndrop.identity;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Docker Engine's API over its unix socket: what {@code docker inspect} and {@code docker ps} show. */
final class DockerApi implements RuntimeApi {

    /** One container's inspect is a few KiB; a list of thousands of containers stays under this. */
    private static final int MAX_BODY = 8 * 1024 * 1024;
    /** A list longer than this is not read past it (bounded memory); the lookup says so in its log. */
    static final int MAX_CONTAINERS = 4096;
    /** Docker's ids are hex, its names [a-zA-Z0-9][a-zA-Z0-9_.-]+: nothing else goes into a URL path. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    /** dockershim (and cri-dockerd) mark a pod's sandbox container with this label. */
    private static final String DOCKERSHIM_TYPE = "io.kubernetes.docker.type";

    private final Path socket;
    private final UnixSocketHttp http;

    DockerApi(Path socket, Duration timeout, EventLoopGroup group) {
        this.socket = socket;
        this.http = new UnixSocketHttp(socket, MAX_BODY, timeout, group);
    }

    @Override
    public String runtime() {
        return "docker";
    }

    @Override
    public Optional<RuntimeContainer> inspect(String id, String namespaceHint) throws RuntimeUnavailableException {
        if (!ID.matcher(id).matches()) {
            return Optional.empty();
        }
        UnixSocketHttp.Response r = get("/containers/" + id + "/json");
        if (r.status() == 404) {
            return Optional.empty();
        }
        JsonObject c = object(r, "/containers/" + id + "/json");
        JsonObject config = obj(c, "Config");
        JsonObject state = obj(c, "State");
        Map<String, String> labels = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : obj(config, "Labels").entrySet()) {
            if (e.getValue().isJsonPrimitive()) {
                labels.put(e.getKey(), e.getValue().getAsString());
            }
        }
        String name = str(c, "Name").replaceFirst("^/", "");
        ContainerInfo info = new ContainerInfo("docker", str(c, "Id"), labels.getOrDefault(Labels.CONTAINER_NAME, name),
                str(config, "Image"), labels.get(Labels.POD_UID), labels.get(Labels.POD_NAMESPACE),
                labels.get(Labels.POD_NAME));
        boolean running = state.has("Running") && state.get("Running").isJsonPrimitive()
                && state.get("Running").getAsBoolean();
        int pid = running && state.has("Pid") && state.get("Pid").isJsonPrimitive() ? state.get("Pid").getAsInt() : 0;
        return Optional.of(new RuntimeContainer(info, pid, "podsandbox".equals(labels.get(DOCKERSHIM_TYPE))));
    }

    @Override
    public List<RuntimeTask> running() throws RuntimeUnavailableException {
        UnixSocketHttp.Response r = get("/containers/json");
        JsonArray list;
        try {
            JsonElement e = JsonParser.parseString(r.body());
            if (r.status() != 200 || !e.isJsonArray()) {
                throw new RuntimeUnavailableException("Docker at " + socket + " answered GET /containers/json with "
                        + r.status() + ": " + abbreviate(r.body()), false, null);
            }
            list = e.getAsJsonArray();
        } catch (JsonParseException e) {
            throw new RuntimeUnavailableException("Docker at " + socket + " sent no JSON for /containers/json", false, e);
        }
        List<RuntimeTask> out = new ArrayList<>();
        for (JsonElement e : list) {
            if (out.size() == MAX_CONTAINERS) {
                break;
            }
            if (e.isJsonObject()) {
                out.add(new RuntimeTask("", str(e.getAsJsonObject(), "Id"), 0));
            }
        }
        return out;
    }

    @Override
    public void close() {
    }

    private UnixSocketHttp.Response get(String path) throws RuntimeUnavailableException {
        if (!Files.exists(socket)) {
            throw new RuntimeUnavailableException("no Docker socket at " + socket, true, null);
        }
        java.util.Optional<String> refused = SocketAccess.refusal(socket, "Docker");
        if (refused.isPresent()) {
            throw new RuntimeUnavailableException(refused.get(), false, null);
        }
        try {
            return http.get(path);
        } catch (IOException e) {
            throw new RuntimeUnavailableException("Docker at " + socket + ": " + e.getMessage(), false, e);
        }
    }

    private JsonObject object(UnixSocketHttp.Response r, String path) throws RuntimeUnavailableException {
        try {
            JsonElement e = JsonParser.parseString(r.body());
            if (r.status() == 200 && e.isJsonObject()) {
                return e.getAsJsonObject();
            }
        } catch (JsonParseException e) {
            throw new RuntimeUnavailableException("Docker at " + socket + " sent no JSON for " + path, false, e);
        }
        throw new RuntimeUnavailableException("Docker at " + socket + " answered GET " + path + " with " + r.status()
                + ": " + abbreviate(r.body()), false, null);
    }

    private static JsonObject obj(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : "";
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s.strip();
    }
}
