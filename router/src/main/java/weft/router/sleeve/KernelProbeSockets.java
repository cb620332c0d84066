package weft.router.sleeve;

import weft.kernel.DontFragmentSocket;
import weft.kernel.NativeCallException;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Path MTU probes through one connected don't-fragment FFM socket per neighbour endpoint, opened on first use. The
 * sending thread that runs the path MTU rounds owns it, as {@link DontFragmentSender} says.
 */
public final class KernelProbeSockets implements DontFragmentSender {
    private final Map<InetSocketAddress, DontFragmentSocket> sockets = new HashMap<>();

    @Override
    public int send(InetSocketAddress to, MemorySegment datagram, int length) {
        try {
            return socketFor(to).send(datagram, length);
        } catch (NativeCallException | IllegalArgumentException e) {
            return -1;
        }
    }

    @Override
    public int pathMtu(InetSocketAddress to) {
        try {
            return socketFor(to).currentPathMtu();
        } catch (NativeCallException | IllegalArgumentException e) {
            return 0;
        }
    }

    private DontFragmentSocket socketFor(InetSocketAddress to) {
        DontFragmentSocket socket = sockets.get(to);
        if (socket == null) {
            socket = DontFragmentSocket.connect(to);
            sockets.put(to, socket);
        }
        return socket;
    }

    @Override
    public void close() {
        sockets.values().forEach(DontFragmentSocket::close);
        sockets.clear();
    }
}
