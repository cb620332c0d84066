package weft.router.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.api.DnsStatus;
import weft.api.docker.EngineCalls;
import weft.api.docker.EngineClient;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The little of the Docker Engine API the router needs: the process id of a running container, to find its network
 * namespace, and its host name, for Weft DNS; asked through {@link EngineClient}. Thread-safe.
 */
public final class DockerEngine {
    private final Path socket;
    private final EngineClient engine;
    private final ObjectMapper json;

    public DockerEngine(Path socket, ObjectMapper json) {
        this.socket = socket;
        this.engine = new EngineClient(socket);
        this.json = json;
    }

    /** The pid of the main process of running container {@code container} (an id or a name). */
    public long pidOf(String container) throws IOException {
        JsonNode state = inspect(container).path("State");
        if (!state.path("Running").asBoolean(false)) throw new IOException("Docker container '" + container + "' is not running");
        long pid = state.path("Pid").asLong(0);
        if (pid <= 0) throw new IOException("Docker engine gave no process id for container '" + container + "'");
        return pid;
    }

    /** Container {@code container}'s name on Weft DNS, when its host name is in {@code domain} ({@link DnsStatus#containerName}). */
    public Optional<String> dnsNameOf(String container, String domain) throws IOException {
        JsonNode config = inspect(container).path("Config");
        return DnsStatus.containerName(config.path("Hostname").asText(""), config.path("Domainname").asText(""), domain);
    }

    private JsonNode inspect(String container) throws IOException {
        if (!Files.exists(socket)) {
            throw new IOException("'" + container + "' is not netns:NAME or pid:N, and no Docker engine listens at " + socket);
        }
        String path = "/containers/" + URLEncoder.encode(container, StandardCharsets.UTF_8) + "/json";
        EngineCalls.Reply response = engine.call("GET", path, null);
        if (response.status() == 404) throw new IOException("no such Docker container '" + container + "'");
        if (response.status() != 200) throw new IOException("Docker engine answered " + response.status() + " for container '" + container + "'");
        return json.readTree(response.body());
    }
}
