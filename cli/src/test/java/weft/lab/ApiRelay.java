package weft.lab;

import weft.kernel.NetNamespace;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay from an address inside a lab host's namespace to a port on this JVM's loopback, so that the lab's
 * routers reach a server the test runs (the Kubernetes mock API server) while no interface of the lab is in the
 * root namespace. The listening socket is made on a thread inside the host's namespace, which it belongs to from
 * then on; the connections onward are made by this JVM's own threads, in the root namespace.
 */
final class ApiRelay implements AutoCloseable {
    private final ServerSocketChannel listener;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();

    private ApiRelay(ServerSocketChannel listener, int targetPort) {
        this.listener = listener;
        Thread.ofPlatform().daemon().name("api-relay").start(() -> accept(targetPort));
    }

    static ApiRelay open(String netns, InetSocketAddress listen, int targetPort) throws IOException {
        ServerSocketChannel listener;
        try (NetNamespace namespace = NetNamespace.named(netns)) {
            listener = namespace.call(() -> ServerSocketChannel.open().bind(listen));
        }
        return new ApiRelay(listener, targetPort);
    }

    private void accept(int targetPort) {
        while (listener.isOpen()) {
            try {
                SocketChannel client = listener.accept();
                SocketChannel server = SocketChannel.open(new InetSocketAddress("127.0.0.1", targetPort));
                open.add(client);
                open.add(server);
                pump(client, server);
                pump(server, client);
            } catch (IOException e) {
                if (!listener.isOpen()) return;
            }
        }
    }

    /** Copies one direction until it ends, then closes both ends so the other direction ends too. */
    private void pump(SocketChannel from, SocketChannel to) {
        Thread.ofPlatform().daemon().name("api-relay-pump").start(() -> {
            try (InputStream in = Channels.newInputStream(from); OutputStream out = Channels.newOutputStream(to)) {
                in.transferTo(out);
            } catch (IOException ended) {
                // the peer closed or reset: the finally below closes what is left
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        open.forEach(ApiRelay::closeQuietly);
    }
}
