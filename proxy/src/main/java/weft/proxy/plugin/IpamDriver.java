package weft.proxy.plugin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.api.RouterApi;
import weft.api.StatusReport;

import java.io.IOException;
import java.util.Optional;

/**
 * Docker's remote IPAM driver {@code weft} (the {@code IpamDriver.*} calls): pools are subnets of the allocation range
 * (the default subnet, or {@code --subnet}), and each address comes from the mesh's allocator, so that no other
 * host's router ever gives it out too. The engine names no container when it asks for an address, so the router
 * holds the addresses of a pool for one owner, {@code docker-ipam:SUBNET}, and gives them back one by one: the pool's
 * ID is its subnet, and the driver needs no record of its own. The network's gateway address, which the engine asks
 * for first, is held by {@code docker-ipam-gateway:SUBNET}, though weft networks route nothing through it.
 * Thread-safe: no state.
 */
public final class IpamDriver {
    /** The one address space of this driver, local and global. */
    static final String ADDRESS_SPACE = "weft";
    /** libnetwork's option that marks the request for a network's gateway. */
    private static final String REQUEST_TYPE = "RequestAddressType";
    private static final System.Logger LOG = System.getLogger(IpamDriver.class.getName());

    private final RouterApi router;
    private final ObjectMapper json;

    IpamDriver(RouterApi router, ObjectMapper json) {
        this.router = router;
        this.json = json;
    }

    /** Answers {@code IpamDriver.METHOD}; throws {@link UnsupportedOperationException} for a method it does not have. */
    ObjectNode handle(String method, PluginRequest request) throws IOException {
        return switch (method) {
            case "GetCapabilities" -> json.createObjectNode().put("RequiresMACAddress", false).put("RequiresRequestReplay", false);
            case "GetDefaultAddressSpaces" -> json.createObjectNode().put("LocalDefaultAddressSpace", ADDRESS_SPACE)
                    .put("GlobalDefaultAddressSpace", ADDRESS_SPACE);
            case "RequestPool" -> requestPool(request);
            case "ReleasePool" -> {
                pool(request);
                yield json.createObjectNode();
            }
            case "RequestAddress" -> requestAddress(request);
            case "ReleaseAddress" -> releaseAddress(request);
            default -> throw new UnsupportedOperationException("IpamDriver." + method);
        };
    }

    private ObjectNode requestPool(PluginRequest request) throws IOException {
        String space = request.optionalText("AddressSpace").orElse(ADDRESS_SPACE);
        if (!space.equals(ADDRESS_SPACE)) throw new IllegalArgumentException("weft's IPAM driver has one address space, '" + ADDRESS_SPACE + "', not '" + space + "'");
        if (request.flag("V6")) throw new IllegalArgumentException("weft gives IPv4 addresses only: leave --ipv6 out");
        StatusReport.IpamView ipam = router.status().ipam();
        Ipv4Cidr range = Ipv4Cidr.parse(ipam.range());
        Ipv4Cidr pool = request.optionalText("Pool").map(Ipv4Cidr::parse).orElse(Ipv4Cidr.parse(ipam.defaultSubnet()));
        if (!pool.isNetwork()) throw new IllegalArgumentException("--subnet " + pool + " has host bits set");
        if (!pool.inside(range)) throw new IllegalArgumentException("--subnet " + pool + " is not inside weft's allocation range " + range);
        Optional<String> subPool = request.optionalText("SubPool");
        if (subPool.isPresent() && !Ipv4Cidr.parse(subPool.get()).equals(pool)) {
            throw new IllegalArgumentException("weft's IPAM driver gives addresses from the whole subnet: leave --ip-range out");
        }
        ObjectNode reply = json.createObjectNode().put("PoolID", pool.toString()).put("Pool", pool.toString());
        reply.putObject("Data");
        return reply;
    }

    private ObjectNode requestAddress(PluginRequest request) throws IOException {
        Ipv4Cidr pool = pool(request);
        Optional<String> wanted = request.optionalText("Address");
        boolean gateway = "com.docker.network.gateway".equals(request.object("Options").optionalText(REQUEST_TYPE).orElse(""));
        String cidr;
        if (wanted.isPresent()) {
            Ipv4Cidr address = new Ipv4Cidr(Ipv4Cidr.address(wanted.get()), pool.prefixLength());
            if (!pool.contains(address.bits())) throw new IllegalArgumentException(wanted.get() + " is not in the network's subnet " + pool);
            cidr = router.claimAddress(gateway ? gatewayOwner(pool) : owner(pool), address.toString());
        } else {
            cidr = router.allocateAddress(gateway ? gatewayOwner(pool) : owner(pool), Optional.of(pool.toString()));
        }
        LOG.log(System.Logger.Level.INFO, "Docker IPAM: " + cidr + (gateway ? " for a network's gateway" : "") + " from " + pool);
        ObjectNode reply = json.createObjectNode().put("Address", cidr);
        reply.putObject("Data");
        return reply;
    }

    private ObjectNode releaseAddress(PluginRequest request) throws IOException {
        Ipv4Cidr pool = pool(request);
        String address = request.text("Address");
        Ipv4Cidr cidr = new Ipv4Cidr(Ipv4Cidr.address(address), pool.prefixLength());
        // the engine does not say whether it gives back a gateway: the pool's owner first, then the gateways'
        if (!router.releaseAddresses(owner(pool), Optional.of(cidr.toString())).isEmpty()
                || !router.releaseAddresses(gatewayOwner(pool), Optional.of(cidr.toString())).isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "Docker IPAM: " + cidr + " given back");
        }
        return json.createObjectNode();
    }

    /** The pool a request names by its ID: a subnet of the allocation range, as {@link #requestPool} gave it. */
    private static Ipv4Cidr pool(PluginRequest request) {
        Ipv4Cidr pool = Ipv4Cidr.parse(request.text("PoolID"));
        if (!pool.isNetwork()) throw new IllegalArgumentException(request.method() + ": pool '" + pool + "' is not one of weft's");
        return pool;
    }

    /** The allocator's owner of a pool's addresses for endpoints. */
    public static String owner(Ipv4Cidr pool) {
        return "docker-ipam:" + pool;
    }

    /**
     * The allocator's owner of a pool's gateway addresses: apart from the endpoints', as the engine shows no network's
     * gateway that its IPAM driver chose, and a sweep that compares endpoints with leases must not take them.
     */
    static String gatewayOwner(Ipv4Cidr pool) {
        return "docker-ipam-gateway:" + pool;
    }
}
