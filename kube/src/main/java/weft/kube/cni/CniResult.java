package weft.kube.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * What an ADD made, written in the result format of the configuration's version (spec section 5): the interfaces
 * (the host's end of the veth and the pod's), the addresses with the index of their interface, the routes. Before
 * 1.0.0 each IP also names its family and interfaces carry no MTU. Immutable.
 */
record CniResult(List<Interface> interfaces, List<Ip> ips, List<Route> routes) {
    /** @param sandbox the pod's namespace path for an interface inside it, "" for one on the host */
    record Interface(String name, String mac, int mtu, String sandbox) {
    }

    /** @param address CIDR; @param gateway "" for none; @param interfaceIndex into {@link #interfaces} */
    record Ip(String address, String gateway, int interfaceIndex) {
    }

    /** @param gateway "" for none (the IP's gateway then applies) */
    record Route(String destination, String gateway) {
    }

    CniResult {
        interfaces = List.copyOf(interfaces);
        ips = List.copyOf(ips);
        routes = List.copyOf(routes);
        for (Ip ip : ips) {
            if (ip.interfaceIndex() < 0 || ip.interfaceIndex() >= interfaces.size()) {
                throw new IllegalArgumentException("IP " + ip.address() + " names interface " + ip.interfaceIndex() + " of " + interfaces.size());
            }
        }
    }

    /** This result as the runtime of {@code version} reads it. */
    ObjectNode toJson(ObjectMapper json, String version) {
        boolean legacy = CniVersion.ipsCarryFamily(version);
        ObjectNode root = json.createObjectNode().put("cniVersion", version);
        ArrayNode list = root.putArray("interfaces");
        for (Interface i : interfaces) {
            ObjectNode node = list.addObject().put("name", i.name());
            if (!i.mac().isEmpty()) node.put("mac", i.mac());
            if (!legacy && i.mtu() > 0) node.put("mtu", i.mtu());
            node.put("sandbox", i.sandbox());
        }
        list = root.putArray("ips");
        for (Ip ip : ips) {
            ObjectNode node = list.addObject();
            if (legacy) node.put("version", "4");
            node.put("address", ip.address());
            if (!ip.gateway().isEmpty()) node.put("gateway", ip.gateway());
            node.put("interface", ip.interfaceIndex());
        }
        list = root.putArray("routes");
        for (Route r : routes) {
            ObjectNode node = list.addObject().put("dst", r.destination());
            if (!r.gateway().isEmpty()) node.put("gw", r.gateway());
        }
        return root;
    }

    /** The error result of {@code error} in {@code version} (the configuration's, or the latest when it had none). */
    static ObjectNode error(ObjectMapper json, String version, CniException error) {
        return json.createObjectNode().put("cniVersion", version).put("code", error.code()).put("msg", error.getMessage())
                .put("details", error.details());
    }

    /**
     * The answer to VERSION: the version asked in (the latest we speak when the input names none we can read) and all
     * we speak. Lenient on purpose: a runtime asks this to find out what to send.
     */
    static ObjectNode versions(ObjectMapper json, byte[] stdin) {
        String asked = CniVersion.SUPPORTED.getLast();
        try {
            JsonNode root = json.readTree(stdin);
            if (root != null && root.path("cniVersion").isTextual()) asked = root.path("cniVersion").asText();
        } catch (java.io.IOException unreadable) {
            // answer in the latest version: the caller learns what we speak all the same
        }
        ObjectNode root = json.createObjectNode().put("cniVersion", asked);
        ArrayNode supported = root.putArray("supportedVersions");
        CniVersion.SUPPORTED.forEach(supported::add);
        return root;
    }
}
