package weft.router.sleeve;

import weft.kernel.UdpSocket;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * The FFM UDP socket as the sleeve's {@link SleeveSocket}: UDP GSO (or {@code sendmmsg} where the kernel refuses
 * it) out, GRO and {@code recvmmsg} in. The thread rule is {@link SleeveSocket}'s: one receiving thread, one thread
 * per sender.
 */
public record KernelSleeveSocket(UdpSocket socket) implements SleeveSocket {
    @Override
    public Sender newSender() {
        UdpSocket.Sender sender = socket.newSender();
        return new Sender() {
            @Override
            public void startBatch(InetSocketAddress to) {
                sender.start(to);
            }

            @Override
            public boolean add(MemorySegment datagram, int length) {
                return sender.add(datagram, length);
            }

            @Override
            public int flush() {
                return sender.send();
            }
        };
    }

    @Override
    public int receive(MemorySegment[] slots, int[] lengths, int[] sourceAddresses, int[] sourcePorts, int timeoutMillis) {
        int n = socket.receiveBatch(slots, timeoutMillis);
        for (int i = 0; i < n; i++) {
            lengths[i] = socket.receivedLength(i);
            sourceAddresses[i] = socket.receivedSourceAddress(i);
            sourcePorts[i] = socket.receivedSourcePort(i);
        }
        return n;
    }

    @Override
    public void shutdown() {
        socket.shutdown();
    }

    @Override
    public void close() {
        socket.close();
    }
}
