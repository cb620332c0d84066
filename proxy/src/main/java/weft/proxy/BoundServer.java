package weft.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A bound Netty server, with its event loop and the virtual threads its calls run on; on a Unix socket, the socket's
 * file too, which is claimed before binding ({@link #claim}: one left by a process that died is replaced, one a live
 * process answers on is not taken over) and removed on {@link #close}. Thread-safe.
 */
public final class BoundServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BoundServer.class.getName());
    /** The Unix socket's file; null on TCP. */
    private final Path socket;
    private final EventLoopGroup group;
    private final ExecutorService calls;
    private final Channel server;

    private BoundServer(Path socket, EventLoopGroup group, ExecutorService calls, Channel server) {
        this.socket = socket;
        this.group = group;
        this.calls = calls;
        this.server = server;
    }

    /** Makes {@code socket}'s directory and removes a stale file there; refuses one that {@code what} of another process answers on. */
    public static void claim(Path socket, String what) throws IOException {
        Files.createDirectories(socket.toAbsolutePath().getParent());
        if (!Files.exists(socket)) return;
        if (answers(UnixDomainSocketAddress.of(socket))) throw new IOException("another process serves " + what + " at " + socket);
        Files.delete(socket); // left by a process that died
    }

    /** Whether a server takes connections at {@code address}, a Unix socket or a TCP address of this host. */
    public static boolean answers(SocketAddress address) {
        try (SocketChannel probe = SocketChannel.open(address)) {
            return probe.isConnected();
        } catch (IOException nobody) {
            return false;
        }
    }

    /**
     * Binds {@code bootstrap} (its group, channel type and handlers set) at Unix socket {@code address}, the socket file
     * {@code socket}; when that fails, its event loop and {@code calls} are shut down and the cause thrown.
     */
    public static BoundServer bind(Path socket, ServerBootstrap bootstrap, SocketAddress address, ExecutorService calls) throws IOException {
        return bind(socket, socket.toString(), bootstrap, address, calls);
    }

    /** As {@link #bind(Path, ServerBootstrap, SocketAddress, ExecutorService)}, on TCP at {@code address}. */
    public static BoundServer bindTcp(ServerBootstrap bootstrap, java.net.InetSocketAddress address, ExecutorService calls) throws IOException {
        return bind(null, "tcp://" + address.getHostString() + ":" + address.getPort(), bootstrap, address, calls);
    }

    private static BoundServer bind(Path socket, String where, ServerBootstrap bootstrap, SocketAddress address, ExecutorService calls) throws IOException {
        EventLoopGroup group = bootstrap.config().group();
        try {
            return new BoundServer(socket, group, calls, bootstrap.bind(address).sync().channel());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully();
            calls.close();
            throw new IOException("interrupted while binding " + where, e);
        } catch (Exception e) { // Netty's sync() rethrows the bind's own exception, a BindException for one
            group.shutdownGracefully();
            calls.close();
            throw new IOException("cannot listen at " + where + ": " + e.getMessage(), e);
        }
    }

    /** The Unix socket's file; empty on TCP. */
    public java.util.Optional<Path> socket() {
        return java.util.Optional.ofNullable(socket);
    }

    /** Where the server listens: its Unix socket, or its TCP address with the port the kernel chose for 0. */
    public SocketAddress address() {
        return server.localAddress();
    }

    /** Stops accepting, lets the event loop end, waits for the calls running, and removes the socket file. */
    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        calls.close();
        if (socket == null) return;
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove " + socket + ": " + e.getMessage());
        }
    }
}
