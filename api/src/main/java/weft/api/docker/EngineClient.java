package weft.api.docker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Calls to the Docker engine for the router (a container's process) and the proxy (networks to create, containers to
 * connect or remove): HTTP/1.0 over the engine's Unix socket, one connection per call, so a reply ends when the engine
 * closes it. Thread-safe.
 */
public final class EngineClient implements EngineCalls {
    private static final int MAX_REPLY_BYTES = 4 << 20;

    private final Path socket;

    public EngineClient(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    @Override
    public Reply call(String method, String path, byte[] json) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            String head = method + " " + path + " HTTP/1.0\r\nHost: docker\r\n"
                    + (json == null ? "" : "Content-Type: application/json\r\nContent-Length: " + json.length + "\r\n") + "\r\n";
            ByteBuffer request = ByteBuffer.wrap(concat(head.getBytes(StandardCharsets.US_ASCII), json == null ? new byte[0] : json));
            while (request.hasRemaining()) channel.write(request);
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
            while (channel.read(buffer.clear()) > 0) {
                received.write(buffer.array(), 0, buffer.position());
                if (received.size() > MAX_REPLY_BYTES) throw new IOException("the Docker engine's reply to " + method + " " + path + " is over " + MAX_REPLY_BYTES + " bytes");
            }
            return parse(received.toByteArray(), method + " " + path);
        }
    }

    private static Reply parse(byte[] raw, String call) throws IOException {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.") || headEnd < 0 || text.length() < 12) throw new IOException("the Docker engine's reply to " + call + " is not HTTP");
        try {
            return new Reply(Integer.parseInt(text.substring(9, 12)), Arrays.copyOfRange(raw, headEnd + 4, raw.length));
        } catch (NumberFormatException e) {
            throw new IOException("the Docker engine's reply to " + call + " has no status");
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
