package weft.api;

import java.util.List;

/**
 * The bodies of the API's POST requests: each record is a JSON object with its components as fields, which
 * {@link Endpoint} names per path. An absent or null list reads as empty. Routers refuse fields they do not know
 * (see {@link ApiCodec#readRequest}), so a field added here later must be left out of requests that do not use it,
 * or older routers would refuse those too. Immutable.
 */
public sealed interface ApiRequest {
    /** Targets to connect to or forget: host names or addresses, each with an optional {@code :port}. */
    record Peers(List<String> peers) implements ApiRequest {
        public Peers {
            peers = List.copyOf(peers);
        }
    }

    /**
     * What to attach or detach: {@code netns:NAME}, {@code pid:N} or a Docker container, with addresses in CIDR
     * form; none means one from the allocator (attach) or all of them (detach).
     */
    record TargetCidrs(String target, List<String> cidrs) implements ApiRequest {
        public TargetCidrs {
            required(target, "target");
            cidrs = List.copyOf(cidrs);
        }
    }

    /** The host's own addresses to expose or hide, in CIDR form; none means one from the allocator (expose) or all (hide). */
    record Cidrs(List<String> cidrs) implements ApiRequest {
        public Cidrs {
            cidrs = List.copyOf(cidrs);
        }
    }

    /** A peer, by name or nickname, whose address ranges to take over, even while it is reachable if {@code force}. */
    record PeerForce(String peer, boolean force) implements ApiRequest {
        public PeerForce {
            required(peer, "peer");
        }
    }

    /**
     * An address for {@code owner} from the allocator: in {@code subnet} (CIDR), or in the default subnet when it is
     * null. The owner is whatever names the address's user to its client, for example {@code docker-ipam:10.32.0.5}.
     */
    record OwnerSubnet(String owner, String subnet) implements ApiRequest {
        public OwnerSubnet {
            required(owner, "owner");
        }
    }

    /**
     * An address of {@code owner}, in CIDR form: to claim ({@link Endpoint#IPAM_CLAIM}), or to release
     * ({@link Endpoint#IPAM_RELEASE}; null then releases all of the owner's).
     */
    record OwnerCidr(String owner, String cidr) implements ApiRequest {
        public OwnerCidr {
            required(owner, "owner");
        }
    }

    /** An owner of addresses, whose leases to list. */
    record Owner(String owner) implements ApiRequest {
        public Owner {
            required(owner, "owner");
        }
    }

    /**
     * Names for {@link Endpoint#DNS_ADD}, {@link Endpoint#DNS_REMOVE} and {@link Endpoint#DNS_LOOKUP}: {@code name}
     * (a single label is completed with the router's domain) with {@code addresses} (dotted quads) for {@code owner}
     * (null: {@code weft:extern}). Removing, a null name, no addresses or a null owner match any.
     */
    record DnsNames(String name, List<String> addresses, String owner) implements ApiRequest {
        public DnsNames {
            addresses = addresses == null ? List.of() : List.copyOf(addresses);
        }
    }

    /**
     * A connection to judge under NetworkPolicy: each end a pod ({@code namespace/name}, or a name in
     * {@code default}) or an IPv4 address; {@code protocol} TCP, UDP or SCTP; {@code port} 0 asks about every port.
     */
    record PolicyQuestion(String source, String destination, String protocol, int port) implements ApiRequest {
        public PolicyQuestion {
            if (source == null || source.isBlank()) throw new IllegalArgumentException("'source' is required: a pod (namespace/name) or an address");
            if (destination == null || destination.isBlank()) {
                throw new IllegalArgumentException("'destination' is required: a pod (namespace/name) or an address");
            }
            protocol = protocol == null ? "TCP" : protocol.toUpperCase(java.util.Locale.ROOT);
            if (!List.of("TCP", "UDP", "SCTP").contains(protocol)) throw new IllegalArgumentException("'protocol' must be TCP, UDP or SCTP");
            if (port < 0 || port > 65535) throw new IllegalArgumentException("'port' must be 1-65535, or 0 for every port");
        }
    }

    /** The body of a request that takes no parameters: {@code {}} (or nothing at all). */
    record Empty() implements ApiRequest {
    }

    private static void required(String value, String field) {
        // the router's reply to a request without the field, so worded for the wire
        if (value == null) throw new IllegalArgumentException("'" + field + "' is required and must be a string");
    }
}
