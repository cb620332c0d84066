package weft.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Calls a router's HTTP API: {@link RouterApi} over HTTP, one request to the method's {@link Endpoint} per call.
 * Speaks HTTP/1.1 through {@link HttpCall} rather than {@code java.net.http}, which costs the command line most of a
 * second to start, or {@code HttpURLConnection}, whose handler lookup reads every jar of the class path. Thread-safe:
 * it keeps nothing between calls.
 */
public final class ApiClient implements RouterApi {
    /**
     * The caller's process id, sent with every request: a router on the same host drops a request that waits (for the
     * allocator) once its caller is gone, for example killed while an attach waited for a quorum.
     */
    public static final String CLIENT_PID_HEADER = "Weft-Client-Pid";

    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

    /** The router answered with an error, or did not answer; the message is fit to show to a user. */
    public static final class ApiException extends IOException {
        /** True when no reply came: nothing listens, or the connection failed or timed out. */
        public final boolean unreachable;
        /** True when the connection was refused: nothing listens at the address (so {@link #unreachable} too). */
        public final boolean nothingListens;

        ApiException(String message, boolean unreachable) {
            this(message, unreachable, false);
        }

        private ApiException(String message, boolean unreachable, boolean nothingListens) {
            super(message);
            this.unreachable = unreachable;
            this.nothingListens = nothingListens;
        }
    }

    @FunctionalInterface
    private interface ReplyReader<T> {
        T read(byte[] reply) throws IOException;
    }

    private final InetSocketAddress address;
    private final Duration longestWait;
    private final Optional<ApiToken> token;

    /** A client that waits for each reply as long as its {@link Endpoint#replyTimeout()} says. */
    public ApiClient(InetSocketAddress address) {
        this(address, Duration.ofMillis(Integer.MAX_VALUE), Optional.empty());
    }

    /**
     * A client that waits for no reply longer than {@code longestWait} (a caller that polls gives a short one) and
     * sends {@code token}, when present, with every request. An unspecified address ({@code 0.0.0.0}, {@code ::}) is
     * called on the loopback address of its family: a router bound there listens on it too.
     */
    public ApiClient(InetSocketAddress address, Duration longestWait, Optional<ApiToken> token) {
        this.address = dialable(address);
        this.longestWait = longestWait;
        this.token = token;
    }

    private static InetSocketAddress dialable(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null || !ip.isAnyLocalAddress()) return address;
        InetAddress loopback = ip instanceof Inet6Address ? InetAddress.ofLiteral("::1") : InetAddress.ofLiteral("127.0.0.1");
        return new InetSocketAddress(loopback, address.getPort());
    }

    @Override
    public StatusReport status() throws ApiException {
        return call(Endpoint.STATUS, null, reply -> RecordJson.read(reply, StatusReport.class));
    }

    /** The router's whole state as it sent it, fields this client does not know included: {@code weft report}. */
    public JsonNode report() throws ApiException {
        return call(Endpoint.REPORT, null, new ApiCodec(new ObjectMapper())::readTree); // the whole tree: Jackson's mapper
    }

    @Override
    public List<ConnectResult> connect(List<String> peers) throws ApiException {
        return call(Endpoint.CONNECT, new ApiRequest.Peers(peers), reply -> RecordJson.readList(reply, ConnectResult.class));
    }

    @Override
    public List<String> forget(List<String> peers) throws ApiException {
        return call(Endpoint.FORGET, new ApiRequest.Peers(peers), reply -> RecordJson.read(reply, ApiReply.Forgotten.class)).forgotten();
    }

    @Override
    public Attachment attach(String target, List<String> cidrs) throws ApiException {
        return call(Endpoint.ATTACH, new ApiRequest.TargetCidrs(target, cidrs), reply -> RecordJson.read(reply, Attachment.class));
    }

    @Override
    public Attachment detach(String target, List<String> cidrs) throws ApiException {
        return call(Endpoint.DETACH, new ApiRequest.TargetCidrs(target, cidrs), reply -> RecordJson.read(reply, Attachment.class));
    }

    @Override
    public List<Attachment> attachments() throws ApiException {
        return call(Endpoint.PS, null, reply -> RecordJson.readList(reply, Attachment.class));
    }

    @Override
    public Attachment expose(List<String> cidrs) throws ApiException {
        return call(Endpoint.EXPOSE, new ApiRequest.Cidrs(cidrs), reply -> RecordJson.read(reply, Attachment.class));
    }

    @Override
    public Attachment hide(List<String> cidrs) throws ApiException {
        return call(Endpoint.HIDE, new ApiRequest.Cidrs(cidrs), reply -> RecordJson.read(reply, Attachment.class));
    }

    @Override
    public String removePeer(String peer, boolean force) throws ApiException {
        return call(Endpoint.RMPEER, new ApiRequest.PeerForce(peer, force), reply -> RecordJson.read(reply, ApiReply.Result.class)).result();
    }

    @Override
    public String leave() throws ApiException {
        return call(Endpoint.LEAVE, new ApiRequest.Empty(), reply -> RecordJson.read(reply, ApiReply.Result.class)).result();
    }

    @Override
    public String adoptWinningRing() throws ApiException {
        return call(Endpoint.ADOPT_RING, new ApiRequest.Empty(), reply -> RecordJson.read(reply, ApiReply.Result.class)).result();
    }

    @Override
    public String primeAllocation() throws ApiException {
        return call(Endpoint.PRIME, new ApiRequest.Empty(), reply -> RecordJson.read(reply, ApiReply.Phase.class)).phase();
    }

    @Override
    public String allocateAddress(String owner, Optional<String> subnet) throws ApiException {
        return call(Endpoint.IPAM_ALLOCATE, new ApiRequest.OwnerSubnet(owner, subnet.orElse(null)),
                reply -> RecordJson.read(reply, ApiReply.Address.class)).cidr();
    }

    @Override
    public String claimAddress(String owner, String cidr) throws ApiException {
        return call(Endpoint.IPAM_CLAIM, new ApiRequest.OwnerCidr(owner, cidr), reply -> RecordJson.read(reply, ApiReply.Address.class)).cidr();
    }

    @Override
    public List<String> releaseAddresses(String owner, Optional<String> cidr) throws ApiException {
        return call(Endpoint.IPAM_RELEASE, new ApiRequest.OwnerCidr(owner, cidr.orElse(null)),
                reply -> RecordJson.read(reply, ApiReply.Released.class)).released();
    }

    @Override
    public List<String> addressesOf(String owner) throws ApiException {
        return call(Endpoint.IPAM_LEASES, new ApiRequest.Owner(owner), reply -> RecordJson.read(reply, ApiReply.Addresses.class)).addresses();
    }

    @Override
    public DnsStatus dns() throws ApiException {
        return call(Endpoint.DNS, null, reply -> RecordJson.read(reply, DnsStatus.class));
    }

    @Override
    public List<DnsStatus.Entry> dnsAdd(String name, List<String> addresses, Optional<String> owner) throws ApiException {
        return call(Endpoint.DNS_ADD, new ApiRequest.DnsNames(name, addresses, owner.orElse(null)),
                reply -> RecordJson.read(reply, ApiReply.DnsEntries.class)).entries();
    }

    @Override
    public List<DnsStatus.Entry> dnsRemove(Optional<String> name, List<String> addresses, Optional<String> owner) throws ApiException {
        return call(Endpoint.DNS_REMOVE, new ApiRequest.DnsNames(name.orElse(null), addresses, owner.orElse(null)),
                reply -> RecordJson.read(reply, ApiReply.DnsEntries.class)).entries();
    }

    @Override
    public List<String> dnsLookup(String name) throws ApiException {
        return call(Endpoint.DNS_LOOKUP, new ApiRequest.DnsNames(name, List.of(), null),
                reply -> RecordJson.read(reply, ApiReply.Addresses.class)).addresses();
    }

    @Override
    public PolicyStatus policy() throws ApiException {
        return call(Endpoint.POLICY, null, reply -> RecordJson.read(reply, PolicyStatus.class));
    }

    @Override
    public ApiReply.PolicyVerdict policyWhy(ApiRequest.PolicyQuestion question) throws ApiException {
        return call(Endpoint.POLICY_WHY, question, reply -> RecordJson.read(reply, ApiReply.PolicyVerdict.class));
    }

    @Override
    public String metrics() throws ApiException {
        return new String(exchange(Endpoint.METRICS, null), StandardCharsets.UTF_8);
    }

    /** Returns once the router has accepted; it stops soon after. */
    @Override
    public void stop() throws ApiException {
        // read only to check it is the reply: it says nothing but that the router will stop
        call(Endpoint.STOP, new ApiRequest.Empty(), reply -> RecordJson.read(reply, ApiReply.Stopping.class));
    }

    private <T> T call(Endpoint endpoint, ApiRequest request, ReplyReader<T> reader) throws ApiException {
        byte[] reply = exchange(endpoint, request);
        try {
            return reader.read(reply);
        } catch (StreamReadException e) {
            throw new ApiException("the router at " + where() + " sent a reply that is not JSON", false);
        } catch (IOException e) {
            String reason = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
            throw new ApiException("the router at " + where() + " sent a reply this client does not understand: " + reason, false);
        }
    }

    private byte[] exchange(Endpoint endpoint, ApiRequest request) throws ApiException {
        try {
            Map<String, String> headers = new LinkedHashMap<>();
            if (token.isPresent()) headers.put("Authorization", token.get().authorization());
            headers.put(CLIENT_PID_HEADER, Long.toString(ProcessHandle.current().pid()));
            if (request != null) headers.put("Content-Type", "application/json");
            HttpCall.Reply reply = HttpCall.exchange(address, endpoint.method(), endpoint.path(), headers,
                    request == null ? null : RecordJson.write(request), CONNECT_TIMEOUT_MILLIS, (int) min(endpoint.replyTimeout(), longestWait).toMillis());
            if (reply.status() >= 400) throw new ApiException(errorText(reply.body(), reply.status()), false);
            return reply.body();
        } catch (ConnectException e) {
            throw new ApiException("no router answers at " + where() + " (is it running? 'weft launch' starts one)", true, true);
        } catch (ApiException e) {
            throw e;
        } catch (IOException e) {
            throw new ApiException("cannot reach the router at " + where() + ": " + e.getMessage(), true);
        }
    }

    private String errorText(byte[] reply, int status) {
        try {
            String error = RecordJson.read(reply, ApiReply.Failure.class).error();
            if (error != null) return error;
        } catch (IOException e) {
            // not JSON, or not an error object: fall through to the status line
        }
        return "the router answered HTTP " + status;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The address this client calls, {@code host:port}. */
    public String where() {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
