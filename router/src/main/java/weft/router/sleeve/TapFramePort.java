package weft.router.sleeve;

import weft.kernel.TapDevice;

import java.lang.foreign.MemorySegment;

/**
 * A queue of the sleeve's TAP device as its {@link FramePort}. Like the device: one thread reads, another writes.
 */
public record TapFramePort(TapDevice tap) implements FramePort {
    @Override
    public int read(MemorySegment into, int timeoutMillis) {
        return tap.read(into, timeoutMillis);
    }

    @Override
    public void write(MemorySegment frame, long length) {
        tap.write(frame, length);
    }

    @Override
    public int vnetHeaderLength() {
        return tap.vnetHeader() ? TapDevice.VNET_HDR_LENGTH : 0;
    }
}
