package weft.router.sleeve;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/** A {@link FramePort} backed by queues: tests put frames "from the bridge" and take frames "to the bridge". */
final class QueueFramePort implements FramePort {
    final BlockingQueue<byte[]> fromBridge = new LinkedBlockingQueue<>();
    final BlockingQueue<byte[]> toBridge = new LinkedBlockingQueue<>();
    private final int vnetHeaderLength;

    QueueFramePort() {
        this(0);
    }

    /** A port whose frames carry a virtio_net_hdr of {@code vnetHeaderLength} bytes, like a TAP with offloads. */
    QueueFramePort(int vnetHeaderLength) {
        this.vnetHeaderLength = vnetHeaderLength;
    }

    @Override
    public int vnetHeaderLength() {
        return vnetHeaderLength;
    }

    @Override
    public int read(MemorySegment into, int timeoutMillis) {
        try {
            byte[] frame = fromBridge.poll(timeoutMillis, TimeUnit.MILLISECONDS);
            if (frame == null) return 0;
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, into, 0, frame.length);
            return frame.length;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    @Override
    public void write(MemorySegment frame, long length) {
        toBridge.add(frame.asSlice(0, length).toArray(JAVA_BYTE));
    }

    byte[] takeWritten() throws InterruptedException {
        byte[] frame = toBridge.poll(5, TimeUnit.SECONDS);
        if (frame == null) throw new AssertionError("no frame was written to the port within 5 s");
        return frame;
    }
}
