package weft.router.sleeve;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * A {@link SleeveSocket} over a blocking {@link DatagramChannel}, for the forwarder tests: one system call per
 * datagram and a buffer view per call. Receives one datagram per call.
 */
final class ChannelSleeveSocket implements SleeveSocket {
    private static final int BATCH = 256;
    private final DatagramChannel channel;

    ChannelSleeveSocket(DatagramChannel channel) {
        this.channel = channel;
    }

    @Override
    public Sender newSender() {
        return new ChannelSender();
    }

    /** Sends each datagram of the batch with its own call; a channel's send is safe from several threads. */
    private final class ChannelSender implements Sender {
        private final MemorySegment[] batch = new MemorySegment[BATCH];
        private final int[] lengths = new int[BATCH];
        private InetSocketAddress to;
        private int count;

        @Override
        public void startBatch(InetSocketAddress destination) {
            to = destination;
            count = 0;
        }

        @Override
        public boolean add(MemorySegment datagram, int length) {
            if (count == BATCH) return false;
            batch[count] = datagram;
            lengths[count++] = length;
            return true;
        }

        @Override
        public int flush() {
            int sent = 0;
            for (int i = 0; i < count; i++) {
                try {
                    channel.send(batch[i].asByteBuffer().limit(lengths[i]), to);
                    sent++;
                } catch (IOException e) {
                    // a peer unreachable for a moment: the caller counts what was not sent
                }
                batch[i] = null;
            }
            count = 0;
            return sent;
        }
    }

    @Override
    public int receive(MemorySegment[] slots, int[] received, int[] sourceAddresses, int[] sourcePorts, int timeoutMillis) throws IOException {
        ByteBuffer buffer = slots[0].asByteBuffer();
        if (!(channel.receive(buffer) instanceof InetSocketAddress from)) return 0;
        received[0] = buffer.position();
        if (from.getAddress() instanceof Inet4Address ip) {
            sourceAddresses[0] = ByteBuffer.wrap(ip.getAddress()).getInt();
            sourcePorts[0] = from.getPort();
        } else {
            sourceAddresses[0] = 0;
            sourcePorts[0] = -1;
        }
        return 1;
    }

    @Override
    public void shutdown() {
        close(); // closing the channel wakes a blocked receive()
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            System.getLogger(ChannelSleeveSocket.class.getName()).log(System.Logger.Level.WARNING, "closing the sleeve socket: " + e.getMessage());
        }
    }
}
