package weft.proxy.plugin;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.api.RouterApi;

import java.io.IOException;

/**
 * Docker's plugin protocol for the network driver and the IPAM driver {@code weft}: the engine POSTs JSON to
 * {@code /Plugin.Activate}, {@code /NetworkDriver.METHOD} and {@code /IpamDriver.METHOD}, and reads JSON back; an
 * error is {@code {"Err": "..."}} with a status that is not 200, and the engine shows its message to the user. A body
 * that is not a JSON object, or a field of the wrong shape, is 400; a method neither driver has is 404; a failure of
 * the router or the kernel is 500 and logged. Thread-safe: the drivers are.
 */
public final class DockerPlugin {
    private static final System.Logger LOG = System.getLogger(DockerPlugin.class.getName());

    /** What the plugin answers: an HTTP status and a JSON body. */
    public record Reply(int status, byte[] body) {
    }

    private final ObjectMapper json;
    private final NetworkDriver network;
    private final IpamDriver ipam;

    /** The plugin of {@code router}, plumbing veths in the calling threads' namespace, the router's. */
    public DockerPlugin(RouterApi router, ObjectMapper json) {
        this(router, new VethPorts(), json);
    }

    DockerPlugin(RouterApi router, EndpointPorts ports, ObjectMapper json) {
        this.json = json;
        this.network = new NetworkDriver(router, ports, json);
        this.ipam = new IpamDriver(router, json);
    }

    /** Answers one call to {@code path} with {@code body}. */
    public Reply handle(String path, byte[] body) {
        String method = path.startsWith("/") ? path.substring(1) : path;
        try {
            PluginRequest request = new PluginRequest(method, parse(method, body));
            ObjectNode answer;
            if (method.equals("Plugin.Activate")) {
                answer = json.createObjectNode();
                answer.putArray("Implements").add("NetworkDriver").add("IpamDriver");
            } else if (method.startsWith("NetworkDriver.")) {
                answer = network.handle(method.substring("NetworkDriver.".length()), request);
            } else if (method.startsWith("IpamDriver.")) {
                answer = ipam.handle(method.substring("IpamDriver.".length()), request);
            } else {
                throw new UnsupportedOperationException(method);
            }
            return new Reply(200, json.writeValueAsBytes(answer));
        } catch (UnsupportedOperationException e) {
            return error(404, "weft's plugin does not implement " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return error(400, e.getMessage());
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "Docker plugin call " + method + " failed: " + reason);
            return error(500, reason);
        }
    }

    private JsonNode parse(String method, byte[] body) {
        if (body.length == 0) return json.createObjectNode();
        try {
            JsonNode node = json.readTree(body);
            if (node != null && node.isObject()) return node;
        } catch (JacksonException e) {
            throw new IllegalArgumentException(method + ": the body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException(method + ": the body cannot be read: " + e.getMessage());
        }
        throw new IllegalArgumentException(method + ": the body is not a JSON object");
    }

    private Reply error(int status, String message) {
        try {
            return new Reply(status, json.writeValueAsBytes(json.createObjectNode().put("Err", message)));
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write an error object", e); // a string in an object always can
        }
    }
}
