package weft.gossip;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP relay between a dialling mesh and a listening one that, when asked, flips one bit in the next chunk the
 * dialler sends: a man in the middle who tampers with one control message. Test fixture; threads of its own.
 */
final class TamperingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final AtomicBoolean tamperNext = new AtomicBoolean();
    private final List<Socket> sockets = new ArrayList<>(); // guarded by itself
    private final Thread acceptor;

    TamperingProxy(InetSocketAddress upstream) throws IOException {
        this.upstream = upstream;
        this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().name("tampering-proxy").start(this::accept);
    }

    String target() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Flips a bit in the next chunk that a dialler sends through the proxy. */
    void tamperWithNextChunk() {
        tamperNext.set(true);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket service = new Socket(upstream.getAddress(), upstream.getPort());
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(service);
                }
                Thread.ofPlatform().start(() -> pump(client, service, true));
                Thread.ofPlatform().start(() -> pump(service, client, false));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to, boolean fromDialler) {
        byte[] buffer = new byte[16 * 1024];
        try (from; to; InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) > 0) {
                if (fromDialler && tamperNext.compareAndSet(true, false)) buffer[read - 1] ^= 0x01; // the tag's last byte
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed: closing both (try-with-resources) is the relay's whole answer
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        synchronized (sockets) {
            for (Socket socket : sockets) socket.close();
        }
        acceptor.join();
    }
}
