package weft.router.sleeve;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A {@link SleeveSocket.Sender} that keeps a copy of every datagram it "sends", for tests of what leaves and in which
 * calls. It takes at most {@code capacity} datagrams per batch, and sends all of a batch but the last
 * {@code losing} of it.
 */
final class RecordingSender implements SleeveSocket.Sender {
    /** A datagram sent, and where to. */
    record Sent(InetSocketAddress to, byte[] bytes) {
        MemorySegment segment() {
            return MemorySegment.ofArray(bytes);
        }
    }

    final List<Sent> sent = new ArrayList<>();
    /** How many datagrams each flush sent. */
    final List<Integer> flushes = new ArrayList<>();
    private final int capacity;
    private final List<byte[]> batch = new ArrayList<>();
    private InetSocketAddress to;
    int losing;

    RecordingSender(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public void startBatch(InetSocketAddress destination) {
        to = destination;
        batch.clear();
    }

    @Override
    public boolean add(MemorySegment datagram, int length) {
        if (batch.size() == capacity) return false;
        batch.add(datagram.asSlice(0, length).toArray(JAVA_BYTE));
        return true;
    }

    @Override
    public int flush() {
        int out = Math.max(0, batch.size() - losing);
        for (int i = 0; i < out; i++) sent.add(new Sent(to, batch.get(i)));
        flushes.add(out);
        batch.clear();
        return out;
    }
}
