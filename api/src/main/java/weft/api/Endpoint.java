package weft.api;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every path of the router's HTTP API, with the method it takes, what it takes and gives, and how long a client
 * waits for the reply. The server dispatches on it and the client calls through it, so each path is spelt once.
 * POST bodies are the {@link ApiRequest} records; replies are JSON except {@link #METRICS}; a failure is a
 * {@link ApiReply.Failure} with status 400 (a bad request) or 500 (the router failed), or one of the statuses by
 * which the router refuses a caller before looking at the request: 401 (no token, or the wrong one, where the API
 * needs the {@link ApiToken}), 403 (a foreign {@code Origin} or {@code Host}: a web page) and 415 (a POST whose
 * {@code Content-Type} is not {@code application/json}). Immutable.
 */
public enum Endpoint {
    /** The router's state: a {@link StatusReport}. */
    STATUS("GET", "/status", 30),
    /** The same state as {@link #STATUS}, for {@code weft report}, which prints it whole. */
    REPORT("GET", "/report", 30),
    /** The interfaces this router attached: a list of {@link Attachment}. */
    PS("GET", "/ps", 30),
    /** {@link ApiRequest.Peers} to dial; a list of {@link ConnectResult}, after each target's first attempt. */
    CONNECT("POST", "/connect", 60),
    /** {@link ApiRequest.Peers} to stop dialling; {@link ApiReply.Forgotten}, those that were targets. */
    FORGET("POST", "/forget", 30),
    /** {@link ApiRequest.TargetCidrs}: plumbs the target onto the bridge; its {@link Attachment}. */
    ATTACH("POST", "/attach", 60),
    /** {@link ApiRequest.TargetCidrs}: removes those addresses, or all of them and the interface; what remains. */
    DETACH("POST", "/detach", 60),
    /** {@link ApiRequest.Cidrs} for the host itself; its {@link Attachment}. */
    EXPOSE("POST", "/expose", 60),
    /** {@link ApiRequest.Cidrs} to take from the host, all when none; what remains. */
    HIDE("POST", "/hide", 60),
    /** {@link ApiRequest.PeerForce}: takes over a dead peer's address ranges; {@link ApiReply.Result}. */
    RMPEER("POST", "/rmpeer", 60),
    /** {@link ApiRequest.Empty}: starts the allocator's initialisation; {@link ApiReply.Phase}. */
    PRIME("POST", "/prime", 60),
    /** {@link ApiRequest.Empty}: adopts the winning allocation ring of a conflict; {@link ApiReply.Result}. */
    ADOPT_RING("POST", "/adopt-ring", 60),
    /**
     * {@link ApiRequest.Empty}: this peer leaves the allocation ring for good (before {@code weft reset}), giving its
     * ranges to a reachable peer; {@link ApiReply.Result}, in words.
     */
    LEAVE("POST", "/leave", 60),
    /** {@link ApiRequest.OwnerSubnet}: another address from the allocator for the owner, with no interface; {@link ApiReply.Address}. */
    IPAM_ALLOCATE("POST", "/ipam/allocate", 60),
    /** {@link ApiRequest.OwnerCidr}: that address for the owner, with no interface; {@link ApiReply.Address}. */
    IPAM_CLAIM("POST", "/ipam/claim", 60),
    /** {@link ApiRequest.OwnerCidr}: gives the owner's address back, or all of them; {@link ApiReply.Released}. */
    IPAM_RELEASE("POST", "/ipam/release", 30),
    /** {@link ApiRequest.Owner}: the addresses the owner holds; {@link ApiReply.Addresses}. */
    IPAM_LEASES("POST", "/ipam/leases", 30),
    /** Weft DNS here: a {@link DnsStatus}. */
    DNS("GET", "/dns", 30),
    /** {@link ApiRequest.DnsNames}: puts the name on the mesh with those addresses; {@link ApiReply.DnsEntries} added. */
    DNS_ADD("POST", "/dns/add", 30),
    /** {@link ApiRequest.DnsNames}: takes this router's matching names off the mesh; {@link ApiReply.DnsEntries} removed. */
    DNS_REMOVE("POST", "/dns/remove", 30),
    /** {@link ApiRequest.DnsNames} with a name: its addresses as the mesh knows them here; {@link ApiReply.Addresses}. */
    DNS_LOOKUP("POST", "/dns/lookup", 30),
    /** Kubernetes NetworkPolicy on this node: a {@link PolicyStatus}. */
    POLICY("GET", "/policy", 30),
    /** {@link ApiRequest.PolicyQuestion}: whether policy lets that connection through, and why; {@link ApiReply.PolicyVerdict}. */
    POLICY_WHY("POST", "/policy/why", 30),
    /** {@link ApiRequest.Empty}: the router stops soon after replying {@link ApiReply.Stopping}. */
    STOP("POST", "/stop", 30),
    /** The router's counters as Prometheus text ({@code text/plain; version=0.0.4}), not JSON. */
    METRICS("GET", "/metrics", 30),
    /**
     * A call of the CNI plugin, handed over by its launcher ({@link CniService}): the network configuration as the
     * body, the variables as headers; the reply's body is what the plugin prints, its exit status in
     * {@link CniService#EXIT_HEADER}. 404 from a router that does not serve CNI calls.
     */
    CNI("POST", "/cni", 60);

    // toUnmodifiableMap refuses duplicate keys: two endpoints with one path fail when the class loads
    private static final Map<String, Endpoint> BY_PATH = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(Endpoint::path, Function.identity()));

    private final String method;
    private final String path;
    private final Duration replyTimeout;

    Endpoint(String method, String path, int replyTimeoutSeconds) {
        this.method = method;
        this.path = path;
        this.replyTimeout = Duration.ofSeconds(replyTimeoutSeconds);
    }

    /** {@code GET} or {@code POST}; the server answers any other with 405. */
    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    /**
     * How long a client waits for the reply once connected: 60 s where the router waits on the kernel, Docker, the
     * allocator or a first connection attempt (which it gives 30 s), 30 s for the rest.
     */
    public Duration replyTimeout() {
        return replyTimeout;
    }

    public static Optional<Endpoint> byPath(String path) {
        return Optional.ofNullable(BY_PATH.get(path));
    }
}
