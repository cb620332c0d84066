package weft.proxy.docker;

import weft.api.docker.EngineCalls;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.api.RouterApi;
import weft.proxy.plugin.IpamDriver;
import weft.proxy.plugin.Ipv4Cidr;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Gives back the addresses of the weft IPAM pools that the engine no longer uses, whose release the router missed
 * (it was down when the engine let them go: a container removed meanwhile, an engine restarted). The engine's own
 * record is the truth: an address of a pool's endpoints that no endpoint of its weft networks has is unused (the
 * networks' gateways are held apart, see {@link IpamDriver#owner}). Found unused on two passes in a row it goes back, so that an address the engine has just asked for, and
 * does not show on an endpoint yet, is never taken. Pools are those of the engine's weft networks.
 *
 * <p>Not thread-safe: {@link #sweep} runs on one scheduler thread.
 */
final class LeaseSweep {
    private static final System.Logger LOG = System.getLogger(LeaseSweep.class.getName());
    private final EngineCalls engine;
    private final RouterApi router;
    private final String driver;
    private final ObjectMapper json;
    private Set<String> unusedLastPass = Set.of(); // "owner address"

    LeaseSweep(EngineCalls engine, RouterApi router, String driver, ObjectMapper json) {
        this.engine = engine;
        this.router = router;
        this.driver = driver;
        this.json = json;
    }

    /** One pass; returns how many addresses went back. */
    int sweep() throws IOException {
        Map<Ipv4Cidr, Set<String>> used = new LinkedHashMap<>();
        String filter = URLEncoder.encode("{\"driver\":{\"" + driver + "\":true}}", StandardCharsets.UTF_8);
        for (JsonNode listed : read(engine.call("GET", "/networks?filters=" + filter, null), "the weft networks")) {
            String id = listed.path("Id").asText("");
            if (id.isEmpty() || !driver.equals(listed.path("Driver").asText())) continue;
            JsonNode network = read(engine.call("GET", "/networks/" + URLEncoder.encode(id, StandardCharsets.UTF_8), null), "network " + id);
            for (JsonNode config : network.path("IPAM").path("Config")) {
                Ipv4Cidr pool;
                try {
                    pool = Ipv4Cidr.parse(config.path("Subnet").asText(""));
                } catch (IllegalArgumentException notIpv4) {
                    continue; // no pool of weft's IPAM driver, which gives IPv4 only: nothing of it to give back
                }
                Set<String> inPool = used.computeIfAbsent(pool, p -> new HashSet<>());
                for (JsonNode endpoint : network.path("Containers")) {
                    String address = endpoint.path("IPv4Address").asText("");
                    if (!address.isEmpty()) inPool.add(address.contains("/") ? address.substring(0, address.indexOf('/')) : address);
                }
            }
        }
        Set<String> unused = new HashSet<>();
        int released = 0;
        for (var pool : used.entrySet()) {
            String owner = IpamDriver.owner(pool.getKey());
            for (String held : router.addressesOf(owner)) {
                if (pool.getValue().contains(held)) continue;
                String key = owner + " " + held;
                unused.add(key);
                if (!unusedLastPass.contains(key)) continue;
                router.releaseAddresses(owner, Optional.of(held + "/" + pool.getKey().prefixLength()));
                released++;
                LOG.log(System.Logger.Level.INFO, "Docker IPAM: " + held + " of " + pool.getKey() + " went back: no container of the engine has it (its release was missed)");
                unused.remove(key);
            }
        }
        unusedLastPass = unused;
        return released;
    }

    private JsonNode read(EngineCalls.Reply reply, String what) throws IOException {
        if (reply.status() != 200) throw new IOException("the Docker engine answered " + reply.status() + " for " + what);
        return json.readTree(reply.body());
    }
}
