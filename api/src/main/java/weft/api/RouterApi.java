package weft.api;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * What the HTTP API can ask of a router: implemented by the router itself, and over HTTP by {@link ApiClient}.
 * Implementations are thread-safe: the API server calls the router from one virtual thread per request.
 * Exceptions carry messages fit to show to a user. The router throws {@link IllegalArgumentException} for a bad
 * request and anything else for a failure of its own (its methods need not declare {@link IOException}); the
 * client throws {@link ApiClient.ApiException} for both, and when no router answers.
 */
public interface RouterApi {
    StatusReport status() throws IOException;

    /** Adds targets; each result says whether the first attempt connected. */
    List<ConnectResult> connect(List<String> peers) throws IOException;

    /** Removes targets; returns those that were known. */
    List<String> forget(List<String> peers) throws IOException;

    /** Attaches with the addresses given, or with one from the allocator when none are. */
    Attachment attach(String target, List<String> cidrs) throws IOException;

    Attachment detach(String target, List<String> cidrs) throws IOException;

    List<Attachment> attachments() throws IOException;

    Attachment expose(List<String> cidrs) throws IOException;

    Attachment hide(List<String> cidrs) throws IOException;

    /**
     * An address from the allocator for {@code owner}, which no interface of this router uses (a Docker IPAM driver
     * hands it to the engine): in {@code subnet}, or in the default subnet. In CIDR form, with the subnet's length.
     * Each call gives another address: the owner names a group of them (a pool), given back one by one.
     */
    String allocateAddress(String owner, Optional<String> subnet) throws IOException;

    /** The address {@code cidr} for {@code owner}, as {@link #allocateAddress} gives one; the same owner may claim it again. */
    String claimAddress(String owner, String cidr) throws IOException;

    /** Gives back {@code owner}'s address {@code cidr}, or all of its addresses; returns those given back. */
    List<String> releaseAddresses(String owner, Optional<String> cidr) throws IOException;

    /** The addresses {@code owner} holds here, as dotted quads: for a client that checks its leases against its own records. */
    List<String> addressesOf(String owner) throws IOException;

    /** Gives a dead peer's address ranges to this peer ({@code weft rmpeer}); returns what was taken over. */
    String removePeer(String peer, boolean force) throws IOException;

    /**
     * Ends a conflict between independently started allocation rings by adopting the winning ring; the addresses
     * this router had handed out from its own ring are dropped and listed in the reply.
     */
    String adoptWinningRing() throws IOException;

    /** Leaves the allocation ring for good, giving this peer's ranges to a reachable peer ({@code weft reset}); what happened. */
    String leave() throws IOException;

    /** Starts the allocator's initialisation now rather than on the first allocation; returns its phase. */
    String primeAllocation() throws IOException;

    /** Weft DNS on this router: where it answers and every name it knows. */
    DnsStatus dns() throws IOException;

    /** Puts {@code name} on the mesh with {@code addresses} for {@code owner} ({@code weft:extern} when empty); what was new. */
    List<DnsStatus.Entry> dnsAdd(String name, List<String> addresses, Optional<String> owner) throws IOException;

    /** Takes this router's names that match off the mesh (an empty name, addresses or owner match any); what was removed. */
    List<DnsStatus.Entry> dnsRemove(Optional<String> name, List<String> addresses, Optional<String> owner) throws IOException;

    /** The addresses of {@code name} as the mesh knows them here, as dotted quads. */
    List<String> dnsLookup(String name) throws IOException;

    /** Kubernetes NetworkPolicy on this node ({@link PolicyStatus#off} where the router enforces none). */
    PolicyStatus policy() throws IOException;

    /**
     * Whether NetworkPolicy lets a new connection through, and why, computed without sending anything.
     *
     * @throws IllegalArgumentException when an end is neither a known pod nor an address, or the router enforces no policy
     */
    ApiReply.PolicyVerdict policyWhy(ApiRequest.PolicyQuestion question) throws IOException;

    /** Prometheus text exposition of the router's counters. */
    String metrics() throws IOException;

    /** Asks the router to stop soon after the reply has been sent. */
    void stop() throws IOException;
}
