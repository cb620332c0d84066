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
 * A TCP relay between this JVM's namespace and a lab host's, where no interface of the lab is in the root namespace:
 * {@link #outOf} lets the lab's routers reach a server the test runs (the Kubernetes mock API server), {@link #into}
 * lets the test (a browser it drives) reach a server on a lab host. A socket belongs to the namespace of the thread
 * that made it, so the side in the lab host's namespace is made on a thread inside it ({@link NetNamespace#call});
 * the pumps are this JVM's own threads.
 */
final class TcpRelay implements AutoCloseable {
    private interface Dial {
        SocketChannel connect() throws IOException;
    }

    private final ServerSocketChannel listener;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();

    private TcpRelay(ServerSocketChannel listener, Dial dial) {
        this.listener = listener;
        Thread.ofPlatform().daemon().name("tcp-relay").start(() -> accept(dial));
    }

    /** Listens on {@code listen} inside {@code netns}; each connection goes on to {@code targetPort} on this JVM's loopback. */
    static TcpRelay outOf(String netns, InetSocketAddress listen, int targetPort) throws IOException {
        ServerSocketChannel listener;
        try (NetNamespace namespace = NetNamespace.named(netns)) {
            listener = namespace.call(() -> ServerSocketChannel.open().bind(listen));
        }
        return new TcpRelay(listener, () -> SocketChannel.open(new InetSocketAddress("127.0.0.1", targetPort)));
    }

    /** Listens on a free port of this JVM's loopback ({@link #address()}); each connection goes on to {@code target} inside {@code netns}. */
    static TcpRelay into(String netns, InetSocketAddress target) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        return new TcpRelay(listener, () -> {
            try (NetNamespace namespace = NetNamespace.named(netns)) {
                return namespace.call(() -> SocketChannel.open(target));
            }
        });
    }

    /** Where this relay listens. */
    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) listener.getLocalAddress();
    }

    private void accept(Dial dial) {
        while (listener.isOpen()) {
            try {
                SocketChannel client = listener.accept();
                open.add(client);
                SocketChannel server;
                try {
                    server = dial.connect();
                } catch (IOException refused) { // the far side is down: this client is turned away, the next may fare better
                    closeQuietly(client);
                    continue;
                }
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
        Thread.ofPlatform().daemon().name("tcp-relay-pump").start(() -> {
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
        open.forEach(TcpRelay::closeQuietly);
    }
}
