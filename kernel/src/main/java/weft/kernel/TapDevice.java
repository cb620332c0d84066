package weft.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A TAP device: Ethernet frames the kernel sends to the link are {@link #read} here, frames
 * {@link #write}n here enter the kernel as received on the link. Created in the network namespace of
 * the calling thread; it disappears when closed (not persistent). Thread rule: one reading thread and
 * one writing thread may use it at once (each direction has its own call state, and reading and writing
 * allocate nothing); {@link #close} only after both have stopped, since the descriptor number may be
 * reused at once.
 */
public final class TapDevice implements AutoCloseable {
    private static final String TUN = "/dev/net/tun";
    private static final long TUNSETIFF = 0x400454caL, TUNSETOFFLOAD = 0x400454d0L;
    /** TUNSETOFFLOAD bits: the reader can take partial checksums, and TCP segments (IPv4, IPv6, with ECN) up to 64 KiB. */
    public static final int TUN_F_CSUM = 0x01, TUN_F_TSO4 = 0x02, TUN_F_TSO6 = 0x04, TUN_F_TSO_ECN = 0x08;
    /** The size of {@code struct virtio_net_hdr} in front of every frame when {@link Flag#VNET_HDR} is set. */
    public static final int VNET_HDR_LENGTH = 10;
    private static final short IFF_TAP = 0x0002, IFF_NO_PI = 0x1000;
    /** struct ifreq: char name[16], then the union whose first member is short flags. */
    private static final int IFREQ_SIZE = 40, IFNAMSIZ = 16, IFREQ_FLAGS = 16;

    /** Options beyond IFF_TAP|IFF_NO_PI. */
    public enum Flag {
        /** Each frame is preceded by a virtio_net_hdr carrying offload metadata (for TSO/GSO frames up to 64 KiB). */
        VNET_HDR(0x4000),
        /** The name may be opened again for another queue, one per core. */
        MULTI_QUEUE(0x0100);

        final short bits;

        Flag(int bits) {
            this.bits = (short) bits;
        }
    }

    private final int fd;
    private final String name;
    private final boolean vnetHeader;
    /** How this device reads in errors; built once so that failures on the hot path need no formatting state. */
    private final String target;
    private final MemorySegment readState, writeState, pollFd;
    private final AtomicBoolean closed = new AtomicBoolean();

    private TapDevice(int fd, String name, boolean vnetHeader, Arena arena) {
        this.fd = fd;
        this.vnetHeader = vnetHeader;
        this.name = name;
        this.target = "tap " + name;
        this.readState = Linux.newCallState(arena);
        this.writeState = Linux.newCallState(arena);
        this.pollFd = arena.allocate(Linux.POLLFD_SIZE, 8);
        pollFd.set(JAVA_INT, 0, fd);
        pollFd.set(JAVA_SHORT, Linux.POLLFD_EVENTS, Linux.POLLIN);
    }

    /**
     * Creates a TAP device.
     *
     * @param requestedName the name, or a pattern such as {@code "weft-tap%d"}, or "" to let the kernel choose
     */
    public static TapDevice create(String requestedName, Set<Flag> extraFlags) {
        byte[] nameBytes = requestedName.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name longer than " + (IFNAMSIZ - 1) + " bytes: " + requestedName);
        }
        // GC-managed: the segments are tiny, and an explicit arena could not be closed while a
        // careless reader still polls; the descriptor is the resource that close() releases
        Arena arena = Arena.ofAuto();
        MemorySegment state = Linux.newCallState(arena);
        int fd = Linux.open(state, TUN, Linux.O_RDWR | Linux.O_CLOEXEC | Linux.O_NONBLOCK);
        try {
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE, 8);
            MemorySegment.copy(nameBytes, 0, ifreq, JAVA_BYTE, 0, nameBytes.length);
            short flags = (short) (IFF_TAP | IFF_NO_PI);
            for (Flag flag : extraFlags) flags |= flag.bits;
            ifreq.set(JAVA_SHORT, IFREQ_FLAGS, flags);
            Linux.ioctl(state, "TUNSETIFF", requestedName.isEmpty() ? "tap" : requestedName, fd, TUNSETIFF, ifreq);
            // the kernel writes back the name it chose, which differs for "" and patterns
            return new TapDevice(fd, ifreq.getString(0, StandardCharsets.UTF_8), extraFlags.contains(Flag.VNET_HDR), arena);
        } catch (RuntimeException e) {
            Linux.close(state, TUN, fd);
            throw e;
        }
    }

    /**
     * Opens another queue of the multi-queue TAP device {@code name} (made by {@link #create} with
     * {@link Flag#MULTI_QUEUE}; {@code flags} must be the same): the kernel spreads the frames it sends over the
     * queues by flow, so one thread per queue reads them side by side. The device goes when its last queue closes.
     */
    public static TapDevice attachQueue(String name, Set<Flag> flags) {
        if (!flags.contains(Flag.MULTI_QUEUE)) throw new IllegalArgumentException("only a multi-queue device has more queues");
        TapDevice queue = create(name, flags);
        if (!queue.name.equals(name)) {
            queue.close();
            throw new IllegalStateException("asked for a queue of " + name + ", the kernel made " + queue.name);
        }
        return queue;
    }

    /** The name the kernel gave the device. */
    public String name() { return name; }

    /** Whether every frame read and written is preceded by a {@value #VNET_HDR_LENGTH}-byte virtio_net_hdr. */
    public boolean vnetHeader() { return vnetHeader; }

    /**
     * Tells the kernel which offloads the reader of this device performs ({@code TUNSETOFFLOAD}): with
     * {@code TUN_F_CSUM|TUN_F_TSO4|...} it hands over unchecksummed TCP segments up to 64 KiB, described by the
     * virtio_net_hdr. Needs {@link Flag#VNET_HDR}.
     */
    public void offload(int tunFlags) {
        if (!vnetHeader) throw new IllegalStateException(target + " has no virtio_net_hdr to describe offloads");
        Linux.ioctl(writeState, "TUNSETOFFLOAD", target, fd, TUNSETOFFLOAD, tunFlags);
    }

    /**
     * Reads one frame into {@code into}, waiting at most {@code timeoutMillis} so that a reading loop
     * can notice shutdown. Returns its length, or 0 when none came.
     */
    public int read(MemorySegment into, int timeoutMillis) {
        int ready = Linux.poll(readState, target, pollFd, 1, timeoutMillis);
        if (ready <= 0) return 0;
        long n = Linux.read(readState, target, fd, into, into.byteSize());
        return n < 0 ? 0 : (int) n;
    }

    /** Writes one frame, {@code frame[0, length)}; a TAP device takes or drops it whole. */
    public void write(MemorySegment frame, long length) {
        Linux.write(writeState, target, fd, frame, length);
    }

    /** Closes the descriptor, which removes the device; idempotent. */
    @Override public void close() {
        if (closed.compareAndSet(false, true)) Linux.close(writeState, target, fd);
    }

    @Override public String toString() {
        return target;
    }
}
