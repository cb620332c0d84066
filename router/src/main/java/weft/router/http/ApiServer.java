package weft.router.http;

import weft.api.ApiClient;
import weft.api.ApiCodec;
import weft.api.ApiReply;
import weft.api.ApiRequest;
import weft.api.ApiToken;
import weft.api.CniService;
import weft.api.Endpoint;
import weft.api.RouterApi;
import weft.router.ApiCaller;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The router's HTTP API: the {@link Endpoint}s, one virtual thread per request, JSON request bodies read into
 * {@link ApiRequest} records by {@link ApiCodec}. Every request first passes {@link ApiAccess} (its Host, Origin
 * and, for an API that other hosts may reach, its token), every POST must be JSON. Errors are replied as
 * {@link ApiReply.Failure} with 400 for a bad request, 401 for a missing or wrong token, 403 for a request from a
 * web page, 404 for an unknown path, 405 (with {@code Allow}) for a wrong method, 415 for a POST that is not JSON
 * and 500 for a failure of the router.
 */
public final class ApiServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ApiServer.class.getName());
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final byte[] NO_BODY = new byte[0];

    /** A reply in Prometheus text rather than JSON. */
    private record MetricsText(String text) {
    }

    /** A reply that is what the CNI plugin printed, with its exit status. */
    private record CniOutput(CniService.Reply reply) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ApiCodec codec;
    private final RouterApi router;
    private final ApiAccess access;
    private final Optional<CniService> cni;

    /**
     * Binds {@code address}; starts serving on {@link #start}.
     *
     * @param token the token every request must carry; required for an address that is not loopback
     * @param cni   the CNI plugin for {@link Endpoint#CNI}; empty to answer it with 404, which sends the plugin's
     *              launcher to a JVM of its own
     */
    public ApiServer(InetSocketAddress address, RouterApi router, ObjectMapper json, Optional<ApiToken> token, Optional<CniService> cni)
            throws IOException {
        this.router = router;
        this.cni = cni;
        this.codec = new ApiCodec(json);
        if (!address.getAddress().isLoopbackAddress() && token.isEmpty()) {
            // checked again by ApiAccess; here so that nothing listens, not even for a moment
            throw new IllegalArgumentException("an HTTP API on " + address.getHostString() + ":" + address.getPort()
                    + " would take orders from other hosts: it needs a token");
        }
        try {
            server = HttpServer.create(address, 64);
        } catch (BindException e) {
            throw new BindException("cannot listen for the HTTP API on " + address.getHostString() + ":" + address.getPort()
                    + ": " + e.getMessage() + " (is another router running in this network namespace? --http-addr chooses another)");
        }
        this.access = new ApiAccess(server.getAddress(), token);
        server.setExecutor(executor);
        server.createContext("/", this::serve);
    }

    public void start() {
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            Optional<ApiAccess.Refusal> refused = access.refusal(exchange.getRequestHeaders());
            if (refused.isEmpty() && exchange.getRequestURI().getRawAuthority() != null) {
                // "GET http://name/status": the target's authority would stand in for the Host just checked
                refused = Optional.of(new ApiAccess.Refusal(400, "the request target must be a path, like /status"));
            }
            if (refused.isPresent()) {
                if (refused.get().status() == 401) exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"weft\"");
                replyError(exchange, refused.get().status(), refused.get().message());
                return;
            }
            String path = exchange.getRequestURI().getPath();
            Endpoint endpoint = Endpoint.byPath(path).orElse(null);
            if (endpoint == null || endpoint == Endpoint.CNI && cni.isEmpty()) {
                replyError(exchange, 404, endpoint == null ? "no such API path: " + path : "this router does not serve CNI calls");
                return;
            }
            if (!endpoint.method().equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", endpoint.method());
                replyError(exchange, 405, path + " takes " + endpoint.method());
                return;
            }
            if (endpoint.method().equals("POST")) {
                Optional<ApiAccess.Refusal> notJson = ApiAccess.contentTypeRefusal(exchange.getRequestHeaders());
                if (notJson.isPresent()) {
                    replyError(exchange, notJson.get().status(), notJson.get().message());
                    return;
                }
            }
            Object result;
            try {
                // a GET carries no parameters, so whatever body one comes with is not read
                byte[] body = endpoint.method().equals("POST") ? readBody(exchange) : NO_BODY;
                Optional<Long> caller = callerPid(exchange);
                Headers headers = exchange.getRequestHeaders();
                result = caller.isPresent() ? ScopedValue.where(ApiCaller.PID, caller.get()).call(() -> dispatch(endpoint, body, headers))
                        : dispatch(endpoint, body, headers);
            } catch (IllegalArgumentException e) {
                replyError(exchange, 400, e.getMessage());
                return;
            } catch (Exception e) {
                String reason = e.getMessage() == null ? e.toString() : e.getMessage();
                LOG.log(System.Logger.Level.WARNING, exchange.getRequestMethod() + " " + path + " failed: " + reason);
                replyError(exchange, 500, reason);
                return;
            }
            if (result instanceof MetricsText(String text)) {
                reply(exchange, 200, MetricsServer.CONTENT_TYPE, text.getBytes(StandardCharsets.UTF_8));
            } else if (result instanceof CniOutput(CniService.Reply reply)) {
                exchange.getResponseHeaders().set(CniService.EXIT_HEADER, Integer.toString(reply.exit()));
                reply(exchange, 200, "application/json", reply.stdout());
            } else {
                reply(exchange, 200, "application/json", codec.writePretty(result));
            }
        }
    }

    /**
     * The caller's pid from {@link ApiClient#CLIENT_PID_HEADER}, believed only from this host (loopback) and only when
     * that process is visible here now: a caller in another PID namespace (a plugin on the host, a router in a
     * container) is not, and must not look gone.
     */
    private static Optional<Long> callerPid(HttpExchange exchange) {
        String value = exchange.getRequestHeaders().getFirst(ApiClient.CLIENT_PID_HEADER);
        if (value == null || !exchange.getRemoteAddress().getAddress().isLoopbackAddress()) return Optional.empty();
        try {
            long pid = Long.parseLong(value.strip());
            return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? Optional.of(pid) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads the request for {@code endpoint} from {@code body} and asks the router. No {@code default}: an endpoint
     * added to the contract does not compile here until it is served. A bad request throws
     * {@link IllegalArgumentException} before the router is asked.
     */
    private Object dispatch(Endpoint endpoint, byte[] body, Headers headers) throws IOException {
        return switch (endpoint) {
            case STATUS, REPORT -> router.status();
            case PS -> router.attachments();
            case METRICS -> new MetricsText(router.metrics());
            case CONNECT -> router.connect(codec.readRequest(body, ApiRequest.Peers.class).peers());
            case FORGET -> new ApiReply.Forgotten(router.forget(codec.readRequest(body, ApiRequest.Peers.class).peers()));
            case ATTACH -> {
                ApiRequest.TargetCidrs request = codec.readRequest(body, ApiRequest.TargetCidrs.class);
                yield router.attach(request.target(), request.cidrs());
            }
            case DETACH -> {
                ApiRequest.TargetCidrs request = codec.readRequest(body, ApiRequest.TargetCidrs.class);
                yield router.detach(request.target(), request.cidrs());
            }
            case EXPOSE -> router.expose(codec.readRequest(body, ApiRequest.Cidrs.class).cidrs());
            case HIDE -> router.hide(codec.readRequest(body, ApiRequest.Cidrs.class).cidrs());
            case RMPEER -> {
                ApiRequest.PeerForce request = codec.readRequest(body, ApiRequest.PeerForce.class);
                yield new ApiReply.Result(router.removePeer(request.peer(), request.force()));
            }
            case PRIME -> {
                codec.readRequest(body, ApiRequest.Empty.class); // refuses parameters it would not honour
                yield new ApiReply.Phase(router.primeAllocation());
            }
            case LEAVE -> {
                codec.readRequest(body, ApiRequest.Empty.class);
                yield new ApiReply.Result(router.leave());
            }
            case ADOPT_RING -> {
                codec.readRequest(body, ApiRequest.Empty.class);
                yield new ApiReply.Result(router.adoptWinningRing());
            }
            case STOP -> {
                codec.readRequest(body, ApiRequest.Empty.class);
                router.stop();
                yield new ApiReply.Stopping(true);
            }
            case IPAM_ALLOCATE -> {
                ApiRequest.OwnerSubnet request = codec.readRequest(body, ApiRequest.OwnerSubnet.class);
                yield new ApiReply.Address(router.allocateAddress(request.owner(), Optional.ofNullable(request.subnet())));
            }
            case IPAM_CLAIM -> {
                ApiRequest.OwnerCidr request = codec.readRequest(body, ApiRequest.OwnerCidr.class);
                if (request.cidr() == null) throw new IllegalArgumentException("'cidr' is required and must be a string");
                yield new ApiReply.Address(router.claimAddress(request.owner(), request.cidr()));
            }
            case IPAM_RELEASE -> {
                ApiRequest.OwnerCidr request = codec.readRequest(body, ApiRequest.OwnerCidr.class);
                yield new ApiReply.Released(router.releaseAddresses(request.owner(), Optional.ofNullable(request.cidr())));
            }
            case IPAM_LEASES -> new ApiReply.Addresses(router.addressesOf(codec.readRequest(body, ApiRequest.Owner.class).owner()));
            case DNS -> router.dns();
            case POLICY -> router.policy();
            case POLICY_WHY -> router.policyWhy(codec.readRequest(body, ApiRequest.PolicyQuestion.class));
            case DNS_ADD -> {
                ApiRequest.DnsNames request = codec.readRequest(body, ApiRequest.DnsNames.class);
                if (request.name() == null) throw new IllegalArgumentException("'name' is required and must be a string");
                yield new ApiReply.DnsEntries(router.dnsAdd(request.name(), request.addresses(), Optional.ofNullable(request.owner())));
            }
            case DNS_REMOVE -> {
                ApiRequest.DnsNames request = codec.readRequest(body, ApiRequest.DnsNames.class);
                if (request.name() == null && request.owner() == null) {
                    throw new IllegalArgumentException("'name' or 'owner' is required: a remove says what it removes");
                }
                yield new ApiReply.DnsEntries(router.dnsRemove(Optional.ofNullable(request.name()), request.addresses(),
                        Optional.ofNullable(request.owner())));
            }
            case DNS_LOOKUP -> {
                ApiRequest.DnsNames request = codec.readRequest(body, ApiRequest.DnsNames.class);
                if (request.name() == null) throw new IllegalArgumentException("'name' is required and must be a string");
                yield new ApiReply.Addresses(router.dnsLookup(request.name()));
            }
            case CNI -> new CniOutput(cni.orElseThrow().call(cniVariables(headers), body,
                    Optional.ofNullable(headers.getFirst(CniService.HELD_NETNS_HEADER))));
        };
    }

    /** The {@code CNI_*} variables a CNI call came with, each from its header; one sent twice is a bad request. */
    private static Map<String, String> cniVariables(Headers headers) {
        Map<String, String> variables = new HashMap<>();
        for (String variable : CniService.VARIABLES) {
            List<String> values = headers.get(CniService.header(variable));
            if (values == null || values.isEmpty()) continue;
            if (values.size() > 1) throw new IllegalArgumentException(CniService.header(variable) + " is sent more than once");
            variables.put(variable, values.getFirst());
        }
        return variables;
    }

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) throw new IllegalArgumentException("request body larger than " + MAX_BODY_BYTES + " bytes");
            return bytes;
        }
    }

    private void replyError(HttpExchange exchange, int status, String message) throws IOException {
        reply(exchange, status, "application/json", codec.write(new ApiReply.Failure(message)));
    }

    private static void reply(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length); // 0 would mean a chunked body
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(2); // lets the reply to a stop request go out
        executor.close();
    }
}
