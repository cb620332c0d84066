package weft.proxy.plugin;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import weft.api.RouterApi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugin's transport as the engine uses it: HTTP/1.1 on a Unix socket, several calls on one kept-alive
 * connection; the socket file of a plugin that died is replaced, that of a live one is not, and closing removes it.
 */
class PluginServerTest {
    private static final RouterApi NO_ROUTER = (RouterApi) Proxy.newProxyInstance(RouterApi.class.getClassLoader(), new Class<?>[]{RouterApi.class},
            (proxy, method, args) -> {
                throw new AssertionError("not asked in this test: " + method.getName());
            });

    @TempDir
    Path dir;

    private final DockerPlugin plugin = new DockerPlugin(NO_ROUTER, new VethPorts(), new ObjectMapper());

    /** Reads one response from {@code in}: its status line, then as many body bytes as Content-Length says. */
    private static String response(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("the connection closed in the head: " + head);
            head.append((char) b);
        }
        int length = head.toString().lines().filter(line -> line.toLowerCase().startsWith("content-length:"))
                .map(line -> Integer.parseInt(line.substring(line.indexOf(':') + 1).strip())).findFirst().orElseThrow();
        return head.toString().lines().findFirst().orElseThrow() + " " + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static String post(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: plugin\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    @Test
    void callsOnOneConnectionAreAnsweredInTurn() throws IOException {
        Path socket = dir.resolve("plugins/weft.sock");
        try (PluginServer server = PluginServer.start(socket, plugin);
             SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            OutputStream out = Channels.newOutputStream(channel);
            InputStream in = Channels.newInputStream(channel);
            out.write((post("/Plugin.Activate", "") + post("/IpamDriver.GetCapabilities", "{}") + post("/NetworkDriver.Nope", "{}"))
                    .getBytes(StandardCharsets.UTF_8));
            assertEquals("HTTP/1.1 200 OK {\"Implements\":[\"NetworkDriver\",\"IpamDriver\"]}", response(in));
            assertEquals("HTTP/1.1 200 OK {\"RequiresMACAddress\":false,\"RequiresRequestReplay\":false}", response(in));
            assertEquals("HTTP/1.1 404 Not Found {\"Err\":\"weft's plugin does not implement NetworkDriver.Nope\"}", response(in));
            assertEquals(socket, server.socket());
        }
        assertFalse(Files.exists(socket), "the socket file stayed after close");
    }

    @Test
    void aSocketFileLeftByADeadPluginIsReplacedAndALiveOneIsNotTakenOver() throws IOException {
        Path socket = dir.resolve("weft.sock");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            live.bind(UnixDomainSocketAddress.of(socket));
            IOException refused = assertThrows(IOException.class, () -> PluginServer.start(socket, plugin));
            assertEquals("another process serves Docker plugin calls at " + socket, refused.getMessage());
        }
        assertTrue(Files.exists(socket), "a closed server channel leaves its file, as a dead plugin does");
        try (PluginServer server = PluginServer.start(socket, plugin);
             SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            channel.write(StandardCharsets.UTF_8.encode(post("/Plugin.Activate", "")));
            assertTrue(response(Channels.newInputStream(channel)).startsWith("HTTP/1.1 200 OK"));
        }
    }
}
