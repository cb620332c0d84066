package weft.router.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The little of the Docker Engine API the router needs: the process id of a running container, to find its network
 * namespace. Speaks HTTP/1.0 over the engine's Unix socket, so each call is one connection. Thread-safe.
 */
public final class DockerEngine {
    private static final int MAX_RESPONSE_BYTES = 4 << 20;
    private final Path socket;
    private final ObjectMapper json;

    public DockerEngine(Path socket, ObjectMapper json) {
        this.socket = socket;
        this.json = json;
    }

    /** The pid of the main process of running container {@code container} (an id or a name). */
    public long pidOf(String container) throws IOException {
        if (!Files.exists(socket)) {
            throw new IOException("'" + container + "' is not netns:NAME or pid:N, and no Docker engine listens at " + socket);
        }
        String path = "/containers/" + URLEncoder.encode(container, StandardCharsets.UTF_8) + "/json";
        Response response = get(path);
        if (response.status == 404) throw new IOException("no such Docker container '" + container + "'");
        if (response.status != 200) throw new IOException("Docker engine answered " + response.status + " for container '" + container + "'");
        JsonNode state = json.readTree(response.body).path("State");
        if (!state.path("Running").asBoolean(false)) throw new IOException("Docker container '" + container + "' is not running");
        long pid = state.path("Pid").asLong(0);
        if (pid <= 0) throw new IOException("Docker engine gave no process id for container '" + container + "'");
        return pid;
    }

    private record Response(int status, byte[] body) {
    }

    private Response get(String path) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer request = StandardCharsets.US_ASCII.encode("GET " + path + " HTTP/1.0\r\nHost: docker\r\n\r\n");
            while (request.hasRemaining()) channel.write(request);
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
            while (channel.read(buffer.clear()) > 0) {
                received.write(buffer.array(), 0, buffer.position());
                if (received.size() > MAX_RESPONSE_BYTES) throw new IOException("Docker engine response larger than " + MAX_RESPONSE_BYTES + " bytes");
            }
            return parse(received.toByteArray());
        }
    }

    private static Response parse(byte[] raw) throws IOException {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int headerEnd = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.") || headerEnd < 0 || text.length() < 12) throw new IOException("malformed answer from the Docker engine");
        int status;
        try {
            status = Integer.parseInt(text.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("malformed status line from the Docker engine");
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, headerEnd + 4, raw.length);
        return new Response(status, body);
    }
}
