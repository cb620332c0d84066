package weft.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static weft.kernel.MessageBatch.CMSG_DATA;
import static weft.kernel.MessageBatch.CMSG_SEGMENT_LEN;
import static weft.kernel.MessageBatch.CMSG_SEGMENT_SPACE;
import static weft.kernel.MessageBatch.IOVEC;
import static weft.kernel.MessageBatch.MMSGHDR;
import static weft.kernel.MessageBatch.MSG_CONTROL;
import static weft.kernel.MessageBatch.MSG_CONTROLLEN;
import static weft.kernel.MessageBatch.MSG_FLAGS;
import static weft.kernel.MessageBatch.MSG_IOV;
import static weft.kernel.MessageBatch.MSG_IOVLEN;
import static weft.kernel.MessageBatch.MSG_LEN;
import static weft.kernel.MessageBatch.MSG_NAME;
import static weft.kernel.MessageBatch.MSG_NAMELEN;
import static weft.kernel.MessageBatch.SOCKADDR_IN;
import static weft.kernel.MessageBatch.writeSockaddr;

/**
 * An IPv4 UDP socket bound with FFM, for the sleeve: many datagrams per system call in both directions,
 * {@code sendmmsg} from a {@link #sendBatch batch} the caller filled and {@code recvmmsg} into preallocated
 * slots. Thread rule: one receiving thread, and one sending thread per {@link Sender} (each owns its call state,
 * message vectors and counters; the socket's own batch methods use a sender of its own); the counters' getters sum
 * every sender's and the receiver's ({@link EnumCounters}) from any thread; {@link #close} wakes the receiver
 * (shutdown) and releases the descriptor once no thread uses it any more.
 *
 * <p>Offloads, probed when the socket is bound. <b>UDP GSO</b>: a batch whose datagrams all have one size (the last
 * may be shorter) leaves as few super-datagrams as the 64 KiB IP limit allows, each one {@code msghdr} whose iovecs
 * are the datagrams back to back and whose {@code SOL_UDP/UDP_SEGMENT} cmsg gives the size; the kernel (or the
 * device) cuts it into the same datagrams a plain {@code sendmmsg} would have sent. A refused batch goes plainly;
 * after EIO (no checksum offload on the route), or EINVAL again and again, the socket stops trying.
 * <b>UDP GRO</b>: datagrams of one flow may arrive coalesced; they are received into 64 KiB buffers of the socket's
 * own (smaller ones would truncate them), cut at the {@code UDP_GRO} cmsg's segment size and handed out one per
 * caller slot, as if received one by one; what does not fit one call's slots is handed out by the next.
 */
public final class UdpSocket implements AutoCloseable {
    /** Most segments per GSO send (UDP_MAX_SEGMENTS; 128 on newer kernels) and most UDP payload per IP packet. */
    static final int MAX_SEGMENTS = 64, MAX_UDP_PAYLOAD = 65535 - 20 - 8;
    /** A GRO receive buffer: a coalesced datagram is at most 64 KiB; room for a few cmsgs. */
    private static final int GRO_BUFFER = 1 << 16, GRO_CONTROL = 64, GRO_BUFFERS = 8;

    private final int fd;
    private final String target;
    private final Arena arena;
    private final int batch;
    private final MemorySegment receiveState, closeState, pollFd;
    private final AtomicBoolean closed = new AtomicBoolean(), shutDown = new AtomicBoolean();
    private final MessageBatch receiving;
    /** Per-packet facts: each sender counts the first four with a writer of its own, the receiving thread the rest. */
    private enum Counter {
        SEGMENTED_SENDS, SEGMENTED_DATAGRAMS, PLAIN_SENDS, PLAIN_DATAGRAMS, COALESCED_RECEIVES, COALESCED_DATAGRAMS, TRUNCATED_RECEIVES
    }
    private final EnumCounters<Counter> counters = new EnumCounters<>(Counter.class);
    /** The sender of callers that use the socket's own batch methods; each other sending thread takes a {@link #newSender}. */
    private final Sender primary;

    // UDP GSO: shared by the senders
    private volatile boolean segmenting;
    private volatile int segmentingRefusedErrno;
    private static final int REFUSALS_BEFORE_GIVING_UP = 16;

    // UDP GRO (receiving thread only)
    private final boolean coalescing;
    private final MessageBatch gro;
    private final MemorySegment groMessages, groControl;
    private final MemorySegment[] groBuffers;
    /** Per caller slot of the last receive: the datagram's length and where it came from (a coalesced one's sender). */
    private final int[] receivedLengths, receivedAddresses, receivedPorts;
    private int groReceived, groNext, groOffset;
    private final EnumCounters.Writer<Counter> receiveCounts = counters.writer();

    private UdpSocket(int fd, String target, Arena arena, int batch, boolean segmenting, boolean coalescing) {
        this.fd = fd;
        this.target = target;
        this.arena = arena;
        this.batch = batch;
        receiveState = Linux.newCallState(arena);
        closeState = Linux.newCallState(arena);
        pollFd = arena.allocate(Linux.POLLFD_SIZE, 8);
        pollFd.set(JAVA_INT, 0, fd);
        pollFd.set(JAVA_SHORT, Linux.POLLFD_EVENTS, Linux.POLLIN);
        receiving = new MessageBatch(arena, batch, true);
        this.segmenting = segmenting;
        this.coalescing = coalescing;
        primary = new Sender();
        int slots = Math.max(batch, GRO_BUFFERS);
        receivedLengths = new int[slots];
        receivedAddresses = new int[slots];
        receivedPorts = new int[slots];
        if (coalescing) {
            gro = new MessageBatch(arena, GRO_BUFFERS, true);
            groMessages = gro.messages;
            groControl = arena.allocate((long) GRO_CONTROL * GRO_BUFFERS, 8);
            MemorySegment all = arena.allocate((long) GRO_BUFFER * GRO_BUFFERS, 64);
            groBuffers = new MemorySegment[GRO_BUFFERS];
            for (int i = 0; i < GRO_BUFFERS; i++) {
                groBuffers[i] = all.asSlice((long) i * GRO_BUFFER, GRO_BUFFER);
                gro.iovecs.set(ADDRESS, (long) i * IOVEC, groBuffers[i]);
                gro.iovecs.set(JAVA_LONG, (long) i * IOVEC + 8, GRO_BUFFER);
                groMessages.set(ADDRESS, (long) i * MMSGHDR + MSG_CONTROL, groControl.asSlice((long) i * GRO_CONTROL, GRO_CONTROL));
            }
        } else {
            gro = null;
            groMessages = groControl = null;
            groBuffers = null;
        }
    }

    /**
     * Opens a socket bound to {@code address} (an IPv4 address or the wildcard) with send and receive buffers of
     * {@code bufferBytes} (the kernel caps them), moving up to {@code batch} datagrams per call.
     */
    public static UdpSocket bind(InetSocketAddress address, int bufferBytes, int batch) {
        return bind(address, bufferBytes, batch, true);
    }

    /** As {@link #bind(InetSocketAddress, int, int)}; with {@code offloads} false, UDP GSO and GRO are not used. */
    public static UdpSocket bind(InetSocketAddress address, int bufferBytes, int batch, boolean offloads) {
        Arena arena = Arena.ofAuto(); // see TapDevice: the descriptor is the resource close() releases
        MemorySegment state = Linux.newCallState(arena);
        String target = "udp " + address.getHostString() + ":" + address.getPort();
        int fd = Linux.socket(state, target, Linux.AF_INET, Linux.SOCK_DGRAM | Linux.SOCK_CLOEXEC, 0);
        try {
            Linux.setIntOption(state, target, fd, Linux.SOL_SOCKET, Linux.SO_SNDBUF, bufferBytes);
            Linux.setIntOption(state, target, fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, bufferBytes);
            MemorySegment sockaddr = arena.allocate(SOCKADDR_IN, 8);
            writeSockaddr(sockaddr, address);
            Linux.bind(state, target, fd, sockaddr);
            // Setting the socket's default segment size to 0 (none) succeeds only where the kernel knows UDP_SEGMENT.
            boolean gso = offloads && Linux.trySetIntOption(state, fd, Linux.SOL_UDP, Linux.UDP_SEGMENT, 0) == 0;
            boolean gro = offloads && Linux.trySetIntOption(state, fd, Linux.SOL_UDP, Linux.UDP_GRO, 1) == 0;
            return new UdpSocket(fd, target, arena, batch, gso, gro);
        } catch (RuntimeException e) {
            Linux.close(state, target, fd);
            throw e;
        }
    }

    /** The most datagrams one {@link #sendBatch} or {@link #receiveBatch} moves. */
    public int batchCapacity() {
        return batch;
    }

    /** Starts a batch of the socket's own sender (see {@link Sender#start}). */
    public void startBatch(InetSocketAddress to) {
        primary.start(to);
    }

    /** Adds to the batch of the socket's own sender (see {@link Sender#add}). */
    public boolean addToBatch(MemorySegment data, long length) {
        return primary.add(data, length);
    }

    /** Sends the batch of the socket's own sender (see {@link Sender#send}). */
    public int sendBatch() {
        return primary.send();
    }

    /**
     * A sending context for one more thread: its own batch, message vectors and call state, so that threads sending
     * at once (a forwarder's lanes) never share a batch. Allocated with the socket, released with it.
     */
    public Sender newSender() {
        return new Sender();
    }

    /** One thread's batches of datagrams; use from one thread at a time. */
    public final class Sender {
        private final MemorySegment sendState = Linux.newCallState(arena);
        private final MessageBatch sending = new MessageBatch(arena, batch, false);
        private final MemorySegment sendAddress = arena.allocate(SOCKADDR_IN, 8);
        private InetSocketAddress sendAddressOf; // the endpoint sendAddress holds
        private final MemorySegment[] sendFrom = new MemorySegment[batch], gsoFrom = new MemorySegment[batch];
        private final int[] sendLengths = new int[batch];
        // at most one super-datagram per datagram of the batch (when each is too large to share one)
        private final MemorySegment gsoMessages = arena.allocate((long) MMSGHDR * batch, 8),
                gsoControl = arena.allocate((long) CMSG_SEGMENT_SPACE * batch, 8);
        private final long sendIovecsAddress = sending.iovecs.address();
        private boolean refusedBatch;
        private int refusedInARow;
        private final EnumCounters.Writer<Counter> counts = counters.writer();

        private Sender() {
            for (int i = 0; i < batch; i++) {
                long m = (long) i * MMSGHDR, c = (long) i * CMSG_SEGMENT_SPACE;
                sending.messages.set(ADDRESS, m + MSG_NAME, sendAddress);
                sending.messages.set(JAVA_INT, m + MSG_NAMELEN, SOCKADDR_IN);
                sendFrom[i] = sending.messages.asSlice(m);
                gsoFrom[i] = gsoMessages.asSlice(m);
                gsoMessages.set(ADDRESS, m + MSG_NAME, sendAddress);
                gsoMessages.set(JAVA_INT, m + MSG_NAMELEN, SOCKADDR_IN);
                gsoMessages.set(ADDRESS, m + MSG_CONTROL, gsoControl.asSlice(c, CMSG_SEGMENT_SPACE));
                gsoMessages.set(JAVA_LONG, m + MSG_CONTROLLEN, CMSG_SEGMENT_SPACE);
                gsoControl.set(JAVA_LONG, c, CMSG_SEGMENT_LEN);
                gsoControl.set(JAVA_INT, c + 8, Linux.SOL_UDP);
                gsoControl.set(JAVA_INT, c + 12, Linux.UDP_SEGMENT);
            }
        }

        /** Starts a batch of datagrams for {@code to} (all datagrams of a batch go to one endpoint). */
        public void start(InetSocketAddress to) {
            if (to != sendAddressOf) { // peers keep their endpoint object, so this allocates only when the hop changes
                writeSockaddr(sendAddress, to);
                sendAddressOf = to;
            }
            sending.count = 0;
        }

        /** Adds {@code data[0, length)} to the batch; false when it is full. The bytes must stay put until sent. */
        public boolean add(MemorySegment data, long length) {
            if (sending.count == sending.capacity) return false;
            long iov = (long) sending.count * IOVEC;
            sending.iovecs.set(ADDRESS, iov, data);
            sending.iovecs.set(JAVA_LONG, iov + 8, length);
            sendLengths[sending.count++] = (int) length;
            return true;
        }

        /**
         * Sends the batch with as few system calls as the kernel allows, segmented by the kernel when it can be;
         * returns the datagrams sent (the rest are lost, as dropped datagrams would be).
         */
        public int send() {
            int count = sending.count;
            sending.count = 0;
            int sent = 0;
            int segment = segmenting ? segmentSize(count) : 0;
            if (segment > 0) {
                refusedBatch = false;
                sent = sendSegmented(count, segment);
                if (!refusedBatch) return sent; // sent, or lost to a full buffer; a refusal falls through to plain sends
            }
            int plain = 0;
            while (sent < count) {
                int n = Linux.sendmmsg(sendState, target, fd, sendFrom[sent], count - sent, 0);
                if (n <= 0) break; // EAGAIN (a full buffer) or EINTR: the rest is lost, as a dropped datagram would be
                sent += n;
                plain += n;
                counts.increment(Counter.PLAIN_SENDS);
            }
            counts.add(Counter.PLAIN_DATAGRAMS, plain);
            return sent;
        }

        /** The segment size the batch can be sent with: that of all its datagrams but the last, which is no longer; or 0. */
        private int segmentSize(int count) {
            if (count < 2) return 0;
            int segment = sendLengths[0];
            if (segment <= 0 || MAX_UDP_PAYLOAD / segment < 2 || sendLengths[count - 1] > segment) return 0;
            for (int i = 1; i < count - 1; i++) if (sendLengths[i] != segment) return 0;
            return segment;
        }

        /**
         * Sends the batch as super-datagrams of up to {@link #MAX_SEGMENTS} datagrams and 64 KiB, in one
         * {@code sendmmsg}; returns the datagrams sent. On EIO or EINVAL returns what went out before, for the caller
         * to send the rest plainly, and turns segmenting off for good (after EIO, or {@value #REFUSALS_BEFORE_GIVING_UP}
         * EINVALs in a row).
         */
        private int sendSegmented(int count, int segment) {
            int perMessage = Math.min(MAX_SEGMENTS, MAX_UDP_PAYLOAD / segment);
            int messages = 0;
            for (int first = 0; first < count; first += perMessage, messages++) {
                long m = (long) messages * MMSGHDR;
                gsoMessages.set(JAVA_LONG, m + MSG_IOV, sendIovecsAddress + (long) first * IOVEC);
                gsoMessages.set(JAVA_LONG, m + MSG_IOVLEN, Math.min(perMessage, count - first));
                gsoControl.set(JAVA_SHORT, (long) messages * CMSG_SEGMENT_SPACE + CMSG_DATA, (short) segment);
            }
            int done = 0, sent = 0;
            while (done < messages) {
                int n = Linux.trySendmmsg(sendState, fd, gsoFrom[done], messages - done, 0);
                if (n > 0) {
                    refusedInARow = 0;
                    for (int i = done; i < done + n; i++) sent += (int) gsoMessages.get(JAVA_LONG, (long) i * MMSGHDR + MSG_IOVLEN);
                    done += n;
                    counts.add(Counter.SEGMENTED_SENDS, n);
                    continue;
                }
                int errno = Linux.errno(sendState);
                if (errno == Errno.EIO || errno == Errno.EINVAL) {
                    // EIO: the route cannot checksum a segmented send, for good. EINVAL also answers a segment larger
                    // than the path MTU (the path shrank), which the caller's fragment size will follow: tolerate a few.
                    refusedInARow++;
                    if (errno == Errno.EIO || refusedInARow >= REFUSALS_BEFORE_GIVING_UP) segmenting = false;
                    segmentingRefusedErrno = errno;
                    refusedBatch = true;
                    break;
                }
                if (errno == Errno.EAGAIN || errno == Errno.EINTR) break; // the rest is lost
                throw new NativeCallException("sendmmsg(" + target + ", UDP_SEGMENT " + segment + ")", errno);
            }
            counts.add(Counter.SEGMENTED_DATAGRAMS, sent);
            return sent;
        }
    }

    /**
     * Receiving thread: waits up to {@code timeoutMillis} for datagrams and receives up to {@code slots.length}
     * of them, datagram {@code i} into {@code slots[i]}; returns how many, 0 when none came. Their lengths are
     * {@link #receivedLength}, their sources {@link #receivedSourceAddress} and {@link #receivedSourcePort}. With
     * GRO, datagrams left over from the last call are returned without waiting; a datagram larger than its slot waits
     * for the next call's first slot, or is cut to it there (and counted); those cut from one coalesced receive share
     * its source.
     */
    public int receiveBatch(MemorySegment[] slots, int timeoutMillis) {
        if (coalescing) return receiveCoalesced(slots, timeoutMillis);
        int ready = Linux.poll(receiveState, target, pollFd, 1, timeoutMillis);
        if (ready <= 0 || shutDown.get()) return 0;
        int count = Math.min(slots.length, receiving.capacity);
        for (int i = 0; i < count; i++) {
            long iov = (long) i * IOVEC;
            receiving.iovecs.set(ADDRESS, iov, slots[i]);
            receiving.iovecs.set(JAVA_LONG, iov + 8, slots[i].byteSize());
        }
        receiving.resetNames(count);
        int n = Linux.recvmmsg(receiveState, target, fd, receiving.messages, count, Linux.MSG_DONTWAIT);
        for (int i = 0; i < n; i++) {
            receivedLengths[i] = receiving.messages.get(JAVA_INT, (long) i * MMSGHDR + MSG_LEN);
            receivedAddresses[i] = receiving.sourceAddress(i);
            receivedPorts[i] = receiving.sourcePort(i);
        }
        return Math.max(n, 0);
    }

    private int receiveCoalesced(MemorySegment[] slots, int timeoutMillis) {
        if (groNext == groReceived) {
            int ready = Linux.poll(receiveState, target, pollFd, 1, timeoutMillis);
            if (ready <= 0 || shutDown.get()) return 0;
            for (int i = 0; i < GRO_BUFFERS; i++) groMessages.set(JAVA_LONG, (long) i * MMSGHDR + MSG_CONTROLLEN, GRO_CONTROL);
            gro.resetNames(GRO_BUFFERS);
            int n = Linux.recvmmsg(receiveState, target, fd, groMessages, GRO_BUFFERS, Linux.MSG_DONTWAIT);
            if (n <= 0) return 0;
            groReceived = n;
            groNext = 0;
            groOffset = 0;
        }
        int filled = 0;
        int most = Math.min(slots.length, receivedLengths.length);
        while (filled < most && groNext < groReceived) {
            long m = (long) groNext * MMSGHDR;
            int total = groMessages.get(JAVA_INT, m + MSG_LEN);
            int segment = groSegmentSize(m);
            if (groOffset == 0) {
                if ((groMessages.get(JAVA_INT, m + MSG_FLAGS) & Linux.MSG_TRUNC) != 0) receiveCounts.increment(Counter.TRUNCATED_RECEIVES);
                if (segment > 0 && segment < total) {
                    receiveCounts.increment(Counter.COALESCED_RECEIVES);
                    receiveCounts.add(Counter.COALESCED_DATAGRAMS, (total + segment - 1) / segment);
                }
            }
            int remaining = total - groOffset;
            int length = segment > 0 ? Math.min(segment, remaining) : remaining;
            MemorySegment slot = slots[filled];
            if (length > slot.byteSize() && filled > 0) break; // next call, into a first slot that may be larger
            int copied = (int) Math.min(length, slot.byteSize());
            if (copied < length) receiveCounts.increment(Counter.TRUNCATED_RECEIVES);
            MemorySegment.copy(groBuffers[groNext], groOffset, slot, 0, copied);
            receivedAddresses[filled] = gro.sourceAddress(groNext);
            receivedPorts[filled] = gro.sourcePort(groNext);
            receivedLengths[filled++] = copied;
            groOffset += length;
            if (groOffset >= total) {
                groNext++;
                groOffset = 0;
            }
        }
        return filled;
    }

    /** The segment size in the {@code UDP_GRO} cmsg of the GRO message at {@code m}, or 0 when it was not coalesced. */
    private int groSegmentSize(long m) {
        long length = groMessages.get(JAVA_LONG, m + MSG_CONTROLLEN);
        long control = (m / MMSGHDR) * GRO_CONTROL;
        for (long at = 0; at + CMSG_DATA <= length; ) {
            long cmsgLength = groControl.get(JAVA_LONG, control + at);
            if (cmsgLength < CMSG_DATA || at + cmsgLength > length) return 0;
            if (groControl.get(JAVA_INT, control + at + 8) == Linux.SOL_UDP
                    && groControl.get(JAVA_INT, control + at + 12) == Linux.UDP_GRO && cmsgLength >= CMSG_DATA + 4) {
                return groControl.get(JAVA_INT, control + at + CMSG_DATA);
            }
            at += (cmsgLength + 7) & ~7L;
        }
        return 0;
    }

    /** The length of datagram {@code i} of the last {@link #receiveBatch}. */
    public int receivedLength(int i) {
        return receivedLengths[i];
    }

    /** The IPv4 address datagram {@code i} of the last {@link #receiveBatch} came from, its first octet in the top byte. */
    public int receivedSourceAddress(int i) {
        return receivedAddresses[i];
    }

    /** The UDP port datagram {@code i} of the last {@link #receiveBatch} came from (-1 if from no IPv4 address). */
    public int receivedSourcePort(int i) {
        return receivedPorts[i];
    }

    /** Whether sends are segmented by the kernel (UDP GSO): probed at bind, turned off when the kernel refused. */
    public boolean segmenting() {
        return segmenting;
    }

    /** The errno with which the kernel refused a segmented send, or 0. */
    public int segmentingRefusedErrno() {
        return segmentingRefusedErrno;
    }

    /** Whether the kernel may hand over coalesced datagrams (UDP GRO on). */
    public boolean coalescing() {
        return coalescing;
    }

    /** Counters: super-datagrams and the datagrams in them; plain sendmmsg calls and their datagrams. */
    public long segmentedSends() { return counters.get(Counter.SEGMENTED_SENDS); }
    public long segmentedDatagrams() { return counters.get(Counter.SEGMENTED_DATAGRAMS); }
    public long plainSends() { return counters.get(Counter.PLAIN_SENDS); }
    public long plainDatagrams() { return counters.get(Counter.PLAIN_DATAGRAMS); }
    /** Counters: coalesced receives and the datagrams cut from them; datagrams truncated (kernel or slot). */
    public long coalescedReceives() { return counters.get(Counter.COALESCED_RECEIVES); }
    public long coalescedDatagrams() { return counters.get(Counter.COALESCED_DATAGRAMS); }
    public long truncatedReceives() { return counters.get(Counter.TRUNCATED_RECEIVES); }

    /** Wakes a receiver waiting in {@link #receiveBatch}; later calls return at once. The descriptor stays open. */
    public void shutdown() {
        if (shutDown.compareAndSet(false, true)) Linux.shutdown(closeState, fd, Linux.SHUT_RDWR);
    }

    /** Closes the descriptor, once neither thread uses the socket any more (the number may be reused at once); idempotent. */
    @Override
    public void close() {
        shutdown();
        if (closed.compareAndSet(false, true)) Linux.close(closeState, target, fd);
    }

    @Override
    public String toString() {
        return target;
    }
}
