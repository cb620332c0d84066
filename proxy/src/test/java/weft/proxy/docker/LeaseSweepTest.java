package weft.proxy.docker;

import weft.api.docker.EngineCalls;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import weft.api.RouterApi;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The sweep against an engine that shows one weft network with one container, and a router whose pool owner holds
 * that address and one more: the one more goes back, but only once two passes in a row found it
 * unused, and an address the engine shows again in between stays.
 */
class LeaseSweepTest {
    private static final String NETWORKS = "[{\"Id\":\"n1\",\"Driver\":\"weft\"},{\"Id\":\"b1\",\"Driver\":\"bridge\"}]";
    private volatile String network = network("10.32.0.5/12");
    private final List<String> released = new CopyOnWriteArrayList<>();

    private static String network(String... containers) {
        StringBuilder endpoints = new StringBuilder();
        for (int i = 0; i < containers.length; i++) {
            endpoints.append(i == 0 ? "" : ",").append("\"c").append(i).append("\":{\"IPv4Address\":\"").append(containers[i]).append("\"}");
        }
        return "{\"Id\":\"n1\",\"Driver\":\"weft\",\"IPAM\":{\"Driver\":\"weft\",\"Config\":[{\"Subnet\":\"10.32.0.0/12\"}]},"
                + "\"Containers\":{" + endpoints + "}}";
    }

    private final EngineCalls engine = (method, path, json) -> {
        if (path.startsWith("/networks?filters=")) return new EngineCalls.Reply(200, NETWORKS.getBytes(StandardCharsets.UTF_8));
        if (path.equals("/networks/n1")) return new EngineCalls.Reply(200, network.getBytes(StandardCharsets.UTF_8));
        return new EngineCalls.Reply(404, new byte[0]);
    };

    private final RouterApi router = (RouterApi) Proxy.newProxyInstance(RouterApi.class.getClassLoader(), new Class<?>[]{RouterApi.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "addressesOf" -> args[0].equals("docker-ipam:10.32.0.0/12") ? List.of("10.32.0.5", "10.32.0.9") : List.of();
                case "releaseAddresses" -> {
                    released.add(args[0] + " " + args[1]);
                    yield List.of();
                }
                default -> throw new AssertionError("the sweep asked the router " + method.getName());
            });

    @Test
    void anAddressNoContainerHasGoesBackOnTheSecondPassThatFindsItUnused() throws Exception {
        LeaseSweep sweep = new LeaseSweep(engine, router, "weft", new ObjectMapper());
        assertEquals(0, sweep.sweep(), "one pass is not enough: the engine may have asked for it a moment ago");
        network = network("10.32.0.5/12", "10.32.0.9/12"); // it was: a container came up with it
        assertEquals(0, sweep.sweep());
        network = network("10.32.0.5/12");
        assertEquals(0, sweep.sweep());
        assertEquals(1, sweep.sweep());
        assertEquals(List.of("docker-ipam:10.32.0.0/12 Optional[10.32.0.9/12]"), released);
    }
}
