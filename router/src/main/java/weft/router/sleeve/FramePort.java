package weft.router.sleeve;

import java.lang.foreign.MemorySegment;

/**
 * Where the sleeve takes local frames from and puts remote frames to: the TAP port on the bridge in production,
 * an in-memory queue in tests. {@link #read} and {@link #write} are called from two different threads.
 */
public interface FramePort {
    /** Reads one frame into {@code into}; returns its length, or 0 when none arrived within {@code timeoutMillis}. */
    int read(MemorySegment into, int timeoutMillis);

    /** Writes the first {@code length} bytes of {@code frame} as one frame. */
    void write(MemorySegment frame, long length);

    /**
     * 0 for a plain port; {@link VnetHeader#LENGTH} for a port that reads and writes every frame behind a
     * {@code virtio_net_hdr} (a TAP with {@code IFF_VNET_HDR}), whose frames may be up to 64 KiB segments.
     */
    default int vnetHeaderLength() {
        return 0;
    }
}
