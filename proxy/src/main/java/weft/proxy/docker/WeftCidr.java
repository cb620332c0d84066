package weft.proxy.docker;

import weft.proxy.plugin.Ipv4Cidr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a container's {@code WEFT_CIDR} asks for, as Weave's {@code WEAVE_CIDR} did: {@code none} (leave the container
 * alone), or entries separated by spaces, each {@code net:default}, {@code net:CIDR} (an address from that subnet),
 * {@code ip:ADDR/LEN} or {@code ADDR/LEN} (that address, in the subnet it names). The container joins one weft
 * network per subnet, so a subnet may be named once. Anything else is refused with a message that names the variable.
 *
 * @param subnets       each subnet the container joins, with the address it asks for there, if any; empty for {@code none}
 * @param defaultSubnet the allocator's default subnet, whose network is plain {@code weft}; empty when nothing is joined
 */
record WeftCidr(Map<Ipv4Cidr, Optional<String>> subnets, Optional<Ipv4Cidr> defaultSubnet) {
    static final String VARIABLE = "WEFT_CIDR";
    /** The container is left alone. */
    static final WeftCidr NONE = new WeftCidr(Map.of(), Optional.empty());

    /** The name of the weft network of {@code subnet}: the driver's own for the default subnet, else with the subnet in it. */
    String network(String driver, Ipv4Cidr subnet) {
        return defaultSubnet.equals(Optional.of(subnet)) ? driver : driver + "-" + subnet.toString().replace('/', '-');
    }

    /** Parses {@code value} against the allocation {@code range} and its {@code defaultSubnet}. */
    static WeftCidr parse(String value, Ipv4Cidr range, Ipv4Cidr defaultSubnet) {
        String text = value.strip();
        if (text.equals("none")) return NONE;
        if (text.isEmpty()) throw invalid(value, "it is empty; 'none' leaves the container alone, 'net:default' gives it an address");
        Map<Ipv4Cidr, Optional<String>> subnets = new LinkedHashMap<>();
        for (String entry : text.split("\\s+")) {
            Ipv4Cidr subnet;
            Optional<String> address = Optional.empty();
            if (entry.equals("net:default")) {
                subnet = defaultSubnet;
            } else if (entry.startsWith("net:")) {
                subnet = cidr(value, entry.substring(4));
                if (!subnet.isNetwork()) throw invalid(value, entry + " has host bits set");
            } else {
                Ipv4Cidr wanted = cidr(value, entry.startsWith("ip:") ? entry.substring(3) : entry);
                subnet = wanted.network();
                if (wanted.isNetwork() || wanted.bits() == subnet.broadcast()) throw invalid(value, entry + " is a network or broadcast address");
                address = Optional.of(wanted.address());
            }
            if (!subnet.inside(range)) throw invalid(value, entry + " is not inside weft's allocation range " + range);
            if (subnets.put(subnet, address) != null) {
                throw invalid(value, "subnet " + subnet + " is named twice; a container joins a subnet once, with one address there");
            }
        }
        return new WeftCidr(subnets, Optional.of(defaultSubnet));
    }

    private static Ipv4Cidr cidr(String value, String text) {
        try {
            return Ipv4Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            throw invalid(value, "'" + text + "' is not ADDRESS/LENGTH");
        }
    }

    private static IllegalArgumentException invalid(String value, String why) {
        return new IllegalArgumentException("invalid " + VARIABLE + " '" + value + "': " + why
                + " (expected none, or net:default, net:CIDR, ip:ADDRESS/LENGTH or ADDRESS/LENGTH, separated by spaces)");
    }

    /** The entries of {@code environment} (a container's {@code Env}, {@code NAME=VALUE}) that set {@link #VARIABLE}. */
    static Optional<String> from(List<String> environment) {
        List<String> values = new ArrayList<>();
        for (String entry : environment) if (entry.startsWith(VARIABLE + "=")) values.add(entry.substring(VARIABLE.length() + 1));
        return values.isEmpty() ? Optional.empty() : Optional.of(values.getLast()); // as the engine does: the last wins
    }
}
