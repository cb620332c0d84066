package weft.proxy.docker;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import weft.api.DnsStatus;
import weft.api.RouterApi;
import weft.api.StatusReport;
import weft.api.docker.EngineCalls;
import weft.proxy.plugin.Ipv4Cidr;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the Docker API proxy reads: the requests of a client (their head, and the body of a container create, which
 * it reads and amends) and the engine's replies to its own calls. A finding is any exception but the documented
 * refusal: an {@link IllegalArgumentException} naming {@code WEFT_CIDR} for a create (the client gets 400 with it),
 * none at all for a request's head (an exception there closes the client's connection unanswered), an
 * {@link IOException} for the engine's replies (a join then removes the container; a sweep waits for the next pass).
 * The router here never fails.
 *
 * <p>Input layout of the engine targets: per call of the engine, from the end, a byte that picks its status and two
 * that give the body's length; the bodies from the front, in turn.
 */
class DockerFuzzTest {
    private static final String SELF = "aa:bb:cc:dd:ee:01";
    private static final List<Integer> STATUSES = List.of(200, 201, 204, 404, 409, 500);
    private static final Ipv4Cidr RANGE = Ipv4Cidr.parse("10.32.0.0/12");

    private final ObjectMapper json = new ObjectMapper();

    private final RouterApi router = (RouterApi) Proxy.newProxyInstance(RouterApi.class.getClassLoader(), new Class<?>[]{RouterApi.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "status" -> new StatusReport("0.1.0", 1, SELF, "h1", "", "", 6783, "", "weft", "weft-sleeve", 1410, "", "10.32.0.0/12",
                        "/var/lib/weft", List.of(), List.of(), List.of(), Map.of(), 0, Map.of(),
                        new StatusReport.IpamView("10.32.0.0/12", "10.32.0.0/12", "ready", "nothing", "ring", 100, 0, List.of(), List.of(), List.of(), ""),
                        "", Map.of(), Map.of());
                case "dns" -> new DnsStatus("serving", "10.32.0.1:53", "weft.local.", 1,
                        List.of(new DnsStatus.Entry("db.weft.local.", "10.32.0.9", ContainerNames.OWNER_PREFIX + "c1", SELF)), Map.of());
                case "addressesOf" -> List.of("10.32.0.5", "10.32.0.9");
                case "releaseAddresses", "dnsAdd", "dnsRemove" -> List.of();
                default -> throw new AssertionError("asked the router " + method.getName());
            });

    /** An engine whose every reply, whatever the call, comes from {@code data}. */
    private static EngineCalls engine(FuzzedDataProvider data) {
        return (method, path, body) -> {
            int status = data.pickValue(STATUSES);
            return new EngineCalls.Reply(status, data.consumeBytes(data.consumeInt(0, 4095)));
        };
    }

    /** As {@code ClientSide.decide}: what the container joins, then the body the engine gets. */
    @FuzzTest
    void containerCreate(byte[] body) throws IOException {
        EngineCalls noEngine = (method, path, sent) -> {
            throw new AssertionError("a create asks no engine before it is sent");
        };
        WeftCidr wanted;
        try {
            wanted = new ContainerJoin(noEngine, router, "weft", true, json).decide(body);
        } catch (IllegalArgumentException refused) {
            assertTrue(refused.getMessage().contains(WeftCidr.VARIABLE), refused.getMessage());
            return;
        }
        if (wanted.subnets().isEmpty()) return;
        JsonNode sent = json.readTree(new ContainerNames(noEngine, router, "weft", json).prepare(body, Optional.of("/web-1")));
        assertTrue(sent.isObject(), sent::toString);
        // Weft DNS, unless the create named servers of its own
        assertFalse(sent.path("HostConfig").path("Dns").isEmpty(), sent::toString);
    }

    /** A container's {@code WEFT_CIDR}, as {@link ContainerJoin#decide} reads it from the create's {@code Env}. */
    @FuzzTest
    void weftCidr(byte[] value) {
        WeftCidr wanted;
        try {
            wanted = WeftCidr.parse(new String(value, StandardCharsets.UTF_8), RANGE, Ipv4Cidr.parse("10.32.0.0/16"));
        } catch (IllegalArgumentException refused) {
            assertTrue(refused.getMessage().contains(WeftCidr.VARIABLE), refused.getMessage());
            return;
        }
        for (var subnet : wanted.subnets().entrySet()) {
            assertTrue(subnet.getKey().isNetwork() && subnet.getKey().inside(RANGE), subnet::toString);
            subnet.getValue().ifPresent(address -> {
                long bits = Ipv4Cidr.address(address);
                assertTrue(subnet.getKey().contains(bits) && bits != subnet.getKey().bits() && bits != subnet.getKey().broadcast(), subnet::toString);
            });
        }
    }

    /** A client's request head as the proxy's codec decodes it, and what the proxy reads of it on the event loop. */
    @FuzzTest
    void requestHead(byte[] head) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec());
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(head));
            for (Object message; (message = channel.readInbound()) != null; ) {
                try {
                    if (message instanceof HttpRequest request) assertNotNull(DockerProxy.startedContainer(request));
                } finally {
                    ReferenceCountUtil.release(message);
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @FuzzTest
    void containerJoin(FuzzedDataProvider data) {
        WeftCidr wanted = WeftCidr.parse("net:default 10.33.0.5/16", RANGE, RANGE);
        try {
            new ContainerJoin(engine(data), router, "weft", true, json).join("c0ffee", wanted);
        } catch (IOException refused) {
            // the create's reply says why; the container is removed
        }
    }

    @FuzzTest
    void leaseSweep(FuzzedDataProvider data) {
        try {
            new LeaseSweep(engine(data), router, "weft", json).sweep();
        } catch (IOException refused) {
            // the next pass tries again
        }
    }

    @FuzzTest
    void nameSweep(FuzzedDataProvider data) {
        try {
            new ContainerNames(engine(data), router, "weft", json).sweep();
        } catch (IOException refused) {
            // the next pass tries again
        }
    }
}
