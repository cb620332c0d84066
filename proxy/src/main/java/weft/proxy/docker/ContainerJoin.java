package weft.proxy.docker;

import weft.api.docker.EngineCalls;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.api.RouterApi;
import weft.api.StatusReport;
import weft.proxy.plugin.Ipv4Cidr;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a container created through the proxy joins the overlay. Before the create goes to the engine,
 * {@link #decide} reads the request: containers on Docker's default bridge (which keep their {@code eth0} and
 * its port mappings) join, as {@code WEFT_CIDR} says or, without it, with an address from the default subnet;
 * containers on the host's network, none, another container's or a named network are left alone. Once the engine
 * has created it, {@link #join} connects the container to the weft network of each subnet it asks for (made when
 * missing: {@code weft} for the default subnet, {@code weft-SUBNET} for others), with the address it names. The engine
 * then sets the interfaces up when it starts the container, before its process runs: no start race. A join that fails
 * removes the container, so nothing is left half made. Thread-safe: no state.
 */
final class ContainerJoin {
    private static final System.Logger LOG = System.getLogger(ContainerJoin.class.getName());
    private final EngineCalls engine;
    private final RouterApi router;
    private final String driver;
    private final boolean defaultAllocation;
    private final ObjectMapper json;

    /**
     * @param driver            the name of the router's network and IPAM drivers ({@code weft})
     * @param defaultAllocation whether a container without {@code WEFT_CIDR} joins the default subnet
     */
    ContainerJoin(EngineCalls engine, RouterApi router, String driver, boolean defaultAllocation, ObjectMapper json) {
        this.engine = engine;
        this.router = router;
        this.driver = driver;
        this.defaultAllocation = defaultAllocation;
        this.json = json;
    }

    /** What the container of the create request {@code body} joins: nothing, for one left alone. */
    WeftCidr decide(byte[] body) throws IOException {
        JsonNode create;
        try {
            create = json.readTree(body);
        } catch (IOException e) {
            return WeftCidr.NONE; // the engine says what is wrong with it
        }
        if (create == null || !create.isObject()) return WeftCidr.NONE;
        String mode = create.path("HostConfig").path("NetworkMode").asText("");
        if (!mode.isEmpty() && !mode.equals("default") && !mode.equals("bridge")) return WeftCidr.NONE;
        List<String> environment = new ArrayList<>();
        for (JsonNode entry : create.path("Env")) if (entry.isTextual()) environment.add(entry.asText());
        Optional<String> asked = WeftCidr.from(environment);
        if (asked.isEmpty() && !defaultAllocation) return WeftCidr.NONE;
        StatusReport.IpamView ipam = router.status().ipam();
        Ipv4Cidr range = Ipv4Cidr.parse(ipam.range()), defaultSubnet = Ipv4Cidr.parse(ipam.defaultSubnet());
        return WeftCidr.parse(asked.orElse("net:default"), range, defaultSubnet);
    }

    /** Connects created container {@code id} as {@code wanted} says; removes it and says why when that fails. */
    void join(String id, WeftCidr wanted) throws IOException {
        try {
            for (var entry : wanted.subnets().entrySet()) {
                String network = wanted.network(driver, entry.getKey());
                ensureNetwork(network, entry.getKey());
                ObjectNode connect = json.createObjectNode().put("Container", id);
                ObjectNode endpoint = connect.putObject("EndpointConfig");
                entry.getValue().ifPresent(address -> endpoint.putObject("IPAMConfig").put("IPv4Address", address));
                EngineCalls.Reply reply = engine.call("POST", "/networks/" + encode(network) + "/connect", json.writeValueAsBytes(connect));
                if (reply.status() != 200) throw new IOException("cannot connect the container to network " + network + ": " + message(reply));
            }
        } catch (IOException | RuntimeException e) {
            EngineCalls.Reply removed = engine.call("DELETE", "/containers/" + encode(id) + "?force=1&v=1", null);
            if (removed.status() != 204 && removed.status() != 404) {
                LOG.log(System.Logger.Level.WARNING, "could not remove container " + id + " after its join failed: " + message(removed));
            }
            throw e;
        }
    }

    /** Creates network {@code name} of the weft drivers on {@code subnet}, unless it is there already. */
    private void ensureNetwork(String name, Ipv4Cidr subnet) throws IOException {
        EngineCalls.Reply existing = engine.call("GET", "/networks/" + encode(name), null);
        if (existing.status() == 200) {
            String other = json.readTree(existing.body()).path("Driver").asText("");
            if (!other.equals(driver)) throw new IOException("network " + name + " exists with driver '" + other + "', not " + driver);
            return;
        }
        ObjectNode create = json.createObjectNode().put("Name", name).put("Driver", driver).put("CheckDuplicate", true);
        ObjectNode ipam = create.putObject("IPAM").put("Driver", driver);
        ipam.putArray("Config").addObject().put("Subnet", subnet.toString());
        EngineCalls.Reply made = engine.call("POST", "/networks/create", json.writeValueAsBytes(create));
        if (made.status() == 201) {
            LOG.log(System.Logger.Level.INFO, "created Docker network " + name + " on " + subnet + " for containers started through the proxy");
        } else if (made.status() != 409) { // 409: another create made it just now
            throw new IOException("cannot create network " + name + ": " + message(made));
        }
    }

    private String message(EngineCalls.Reply reply) {
        try {
            String message = json.readTree(reply.body()).path("message").asText("");
            if (!message.isEmpty()) return message;
        } catch (IOException e) {
            // not the engine's JSON error: its status says it
        }
        return "the engine answered " + reply.status();
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8);
    }
}
