package weft.proxy.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.api.DnsStatus;
import weft.api.RouterApi;
import weft.api.docker.EngineCalls;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Weft DNS for containers started through the proxy, as Weave's proxy did it. A container that joins the overlay is
 * created with Weft DNS as its name server and the DNS domain as its search domain and domain name, and, when it has a
 * name and no host name of its own, with its name as host name ({@link #prepare}); once it has started, its host name
 * in the domain goes on Weft DNS with its overlay addresses ({@link #started}); once it no longer runs, the name goes
 * ({@link #sweep}). What a container asked for itself (--dns, --dns-search, -h, --domainname) is left as it is.
 *
 * <p>Thread-safe: no state; the router and the engine are asked anew each time.
 */
final class ContainerNames {
    private static final System.Logger LOG = System.getLogger(ContainerNames.class.getName());
    /** Owners of the names this proxy put on Weft DNS: the prefix and the container's id. */
    static final String OWNER_PREFIX = "docker-proxy:";
    private final EngineCalls engine;
    private final RouterApi router;
    private final String driver;
    private final ObjectMapper json;

    ContainerNames(EngineCalls engine, RouterApi router, String driver, ObjectMapper json) {
        this.engine = engine;
        this.router = router;
        this.driver = driver;
        this.json = json;
    }

    /**
     * The create request {@code body} of a container that joins the overlay, with Weft DNS's settings added where the
     * request has none; unchanged when Weft DNS answers on no address a container can be given (only port 53 can).
     *
     * @param name the container's name, from the create's {@code ?name=}
     */
    byte[] prepare(byte[] body, Optional<String> name) throws IOException {
        DnsStatus dns = router.dns();
        if (dns.nameServer().isEmpty()) return body;
        JsonNode parsed = json.readTree(body);
        if (!(parsed instanceof ObjectNode create)) return body;
        String server = dns.nameServer().get();
        String domain = dns.domain().substring(0, dns.domain().length() - 1);
        ObjectNode host = create.path("HostConfig") instanceof ObjectNode h ? h : create.putObject("HostConfig");
        if (host.path("Dns").isEmpty()) host.putArray("Dns").add(server);
        if (host.path("DnsSearch").isEmpty()) host.putArray("DnsSearch").add(domain);
        if (create.path("Hostname").asText("").isEmpty()) name.flatMap(ContainerNames::label).ifPresent(label -> create.put("Hostname", label));
        if (create.path("Domainname").asText("").isEmpty() && !create.path("Hostname").asText("").contains(".")) create.put("Domainname", domain);
        return json.writeValueAsBytes(create);
    }

    /** A container name as a host name label, when it can be one: lower case, letters, digits and '-'. */
    private static Optional<String> label(String name) {
        String bare = (name.startsWith("/") ? name.substring(1) : name).toLowerCase(Locale.ROOT);
        return bare.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?") ? Optional.of(bare) : Optional.empty();
    }

    /**
     * Container {@code id} has started: its host name, when it is in Weft DNS's domain, goes on Weft DNS with the
     * container's addresses on the weft networks. A failure is logged, never the start's: the container runs either way.
     */
    void started(String id) {
        try {
            JsonNode container = inspect(id);
            if (container == null) return;
            Optional<String> fqdn = DnsStatus.containerName(container.path("Config").path("Hostname").asText(""),
                    container.path("Config").path("Domainname").asText(""), router.dns().domain());
            if (fqdn.isEmpty()) return;
            List<String> addresses = new ArrayList<>();
            container.path("NetworkSettings").path("Networks").properties().forEach(network -> {
                String address = network.getValue().path("IPAddress").asText("");
                if (isWeft(network.getKey()) && !address.isEmpty()) addresses.add(address);
            });
            if (addresses.isEmpty()) return;
            // the engine's id, not what the client called it ('docker start web'): the sweep asks by this id
            router.dnsAdd(fqdn.get(), addresses, Optional.of(OWNER_PREFIX + container.path("Id").asText(id)));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "container " + id + " started, but its name could not go on Weft DNS: " + e.getMessage());
        }
    }

    /**
     * Takes off Weft DNS the names this peer's proxy put there for containers that no longer run (stopped, removed,
     * or gone with the engine), and puts on it those of running containers of the weft networks that have none (started
     * again by a restart policy or past the proxy); returns how many containers' names went.
     */
    int sweep() throws IOException {
        String self = router.status().peerName();
        Set<String> owners = new LinkedHashSet<>();
        for (DnsStatus.Entry entry : router.dns().entries()) {
            if (entry.origin().equals(self) && entry.owner().startsWith(OWNER_PREFIX)) owners.add(entry.owner());
        }
        int gone = 0;
        for (String owner : owners) {
            JsonNode container = inspect(owner.substring(OWNER_PREFIX.length()));
            if (container != null && container.path("State").path("Running").asBoolean(false)) continue;
            router.dnsRemove(Optional.empty(), List.of(), Optional.of(owner));
            gone++;
        }
        EngineCalls.Reply running = engine.call("GET", "/containers/json", null);
        if (running.status() != 200) throw new IOException("the Docker engine answered " + running.status() + " for its containers");
        for (JsonNode listed : json.readTree(running.body())) {
            String id = listed.path("Id").asText("");
            boolean onWeft = false;
            for (var networks = listed.path("NetworkSettings").path("Networks").fieldNames(); networks.hasNext(); ) onWeft |= isWeft(networks.next());
            if (!id.isEmpty() && onWeft && !owners.contains(OWNER_PREFIX + id)) started(id);
        }
        return gone;
    }

    /** The engine's record of container {@code id}, or null when it has none. */
    private JsonNode inspect(String id) throws IOException {
        EngineCalls.Reply reply = engine.call("GET", "/containers/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + "/json", null);
        if (reply.status() == 404) return null;
        if (reply.status() != 200) throw new IOException("the Docker engine answered " + reply.status() + " for container " + id);
        return json.readTree(reply.body());
    }

    /** The proxy's networks: {@code weft} for the default subnet, {@code weft-SUBNET} for others ({@link WeftCidr#network}). */
    private boolean isWeft(String network) {
        return network.equals(driver) || network.startsWith(driver + "-");
    }
}
