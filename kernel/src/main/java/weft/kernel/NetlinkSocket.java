package weft.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A netlink socket of one protocol (NETLINK_ROUTE, NETLINK_XFRM, NETLINK_NETFILTER) that talks to the kernel, bound to
 * the network namespace of the thread that {@link #open}s it; it stays bound there whichever thread
 * uses it later. One request at a time: the caller encodes it into {@link #request()} with
 * {@link #nextSequence()} and NLM_F_ACK, and {@link #exchange} reads replies until that sequence's ack
 * (or a dump's NLMSG_DONE), skipping stale replies. The kernel's refusal carries its extended-ack text
 * when it gives one. A reply that does not come within the timeout fails with ETIMEDOUT; a malformed
 * one with EPROTO. Not thread-safe: one thread at a time.
 */
final class NetlinkSocket implements AutoCloseable {
    /** The kernel sizes dump datagrams to the reader's buffer, capped at 32 KiB; twice that never truncates. */
    private static final int RECEIVE_BUFFER = 64 * 1024;
    private static final int REQUEST_BUFFER = 4096;
    private static final int SOCKET_RECEIVE_BUFFER = 1 << 20;

    /** Why the kernel refused a request: a positive errno and its extended-ack explanation, or null when it gave none. */
    record Refusal(int errno, String kernelMessage) {
        NativeCallException toException(String operation) {
            return NativeCallException.withKernelMessage(operation, errno, kernelMessage);
        }
    }

    private final String name;
    private final int replyTimeoutMillis;
    private final Arena arena;
    private final int fd;
    private final MemorySegment state, request, reply, pollFd, kernel;
    private final NetlinkReplies replies = new NetlinkReplies();
    private int sequence;
    private boolean closed;

    private NetlinkSocket(String name, int replyTimeoutMillis, Arena arena, int fd, MemorySegment state) {
        this.name = name;
        this.replyTimeoutMillis = replyTimeoutMillis;
        this.arena = arena;
        this.fd = fd;
        this.state = state;
        this.request = arena.allocate(REQUEST_BUFFER, 8);
        this.reply = arena.allocate(RECEIVE_BUFFER, 8);
        this.pollFd = arena.allocate(Linux.POLLFD_SIZE, 8);
        pollFd.set(JAVA_INT, 0, fd);
        pollFd.set(JAVA_SHORT, Linux.POLLFD_EVENTS, Linux.POLLIN);
        // sockaddr_nl: u16 family, u16 pad, u32 port id (0 = the kernel), u32 groups
        this.kernel = arena.allocate(12, 4);
        kernel.set(JAVA_SHORT, 0, (short) Linux.AF_NETLINK);
        // the clock only seeds the first sequence number, so replies to an earlier socket cannot match
        this.sequence = (int) (System.nanoTime() & 0x3fff_ffff);
    }

    /**
     * Opens a socket in the calling thread's network namespace.
     *
     * @param name how the socket reads in errors, e.g. {@code "AF_NETLINK, NETLINK_ROUTE"}
     */
    static NetlinkSocket open(String name, int protocol, int replyTimeoutMillis) {
        Arena arena = Arena.ofShared();
        MemorySegment state = Linux.newCallState(arena);
        int fd;
        try {
            fd = Linux.socket(state, name, Linux.AF_NETLINK, Linux.SOCK_RAW | Linux.SOCK_CLOEXEC, protocol);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        try {
            // more than the default so a large dump is not dropped by the socket before it is read
            Linux.setIntOption(state, name + ", SO_RCVBUF", fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, SOCKET_RECEIVE_BUFFER);
            // errors carry the kernel's explanation, and not a copy of our request
            Linux.setIntOption(state, name + ", NETLINK_EXT_ACK", fd, Linux.SOL_NETLINK, NetlinkAbi.NETLINK_EXT_ACK, 1);
            Linux.setIntOption(state, name + ", NETLINK_CAP_ACK", fd, Linux.SOL_NETLINK, NetlinkAbi.NETLINK_CAP_ACK, 1);
            MemorySegment local = arena.allocate(12, 4);
            local.set(JAVA_SHORT, 0, (short) Linux.AF_NETLINK);
            Linux.bind(state, name, fd, local);
            return new NetlinkSocket(name, replyTimeoutMillis, arena, fd, state);
        } catch (RuntimeException e) {
            Linux.close(state, name, fd);
            arena.close();
            throw e;
        }
    }

    /** Where the next request is encoded; reused by every request. */
    MemorySegment request() {
        return request;
    }

    /** The sequence number for the next request. */
    int nextSequence() {
        if (closed) throw new IllegalStateException(name + " socket is closed");
        sequence = sequence + 1 & 0x7fff_ffff;
        return sequence;
    }

    /** Like {@link #tryExchange}, with the kernel's refusal thrown as a {@link NativeCallException} naming {@code operation}. */
    void exchange(String operation, int length, Consumer<NetlinkReader> onData) {
        tryExchange(operation, length, onData).ifPresent(refusal -> {
            throw refusal.toException(operation);
        });
    }

    /**
     * Sends the request in {@link #request()}{@code [0, length)} and hands each data reply to {@code onData} until
     * the ack or DONE. Returns the kernel's refusal if it refused; a failure to ask or to understand the answer
     * throws a {@link NativeCallException} naming {@code operation}.
     */
    Optional<Refusal> tryExchange(String operation, int length, Consumer<NetlinkReader> onData) {
        int expected = request.get(JAVA_INT, 8);
        Linux.sendTo(state, name, fd, request, length, 0, kernel);
        long deadline = System.nanoTime() + replyTimeoutMillis * 1_000_000L;
        while (true) {
            long remainingNanos = deadline - System.nanoTime();
            if (remainingNanos <= 0) {
                throw new NativeCallException(operation, Errno.ETIMEDOUT,
                        operation + " failed: no reply from the kernel within " + replyTimeoutMillis + " ms");
            }
            int ready = Linux.poll(state, name, pollFd, 1, (int) Math.max(1, remainingNanos / 1_000_000));
            if (ready <= 0) continue;
            long received = Linux.recv(state, name, fd, reply, RECEIVE_BUFFER, Linux.MSG_DONTWAIT | Linux.MSG_TRUNC);
            if (received < 0) continue;
            if (received > RECEIVE_BUFFER) {
                throw new NativeCallException(operation, Errno.EMSGSIZE, operation + " failed: a reply of " + received
                        + " bytes did not fit the " + RECEIVE_BUFFER + "-byte buffer");
            }
            if (replies.read(operation, expected, reply, received, onData)) return Optional.ofNullable(replies.refusal());
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for what the kernel sends unasked (NFLOG's packets) and hands each message
     * of one datagram to {@code each}; returns false when nothing came. A datagram that does not parse throws EPROTO.
     */
    boolean receive(int timeoutMillis, Consumer<NetlinkReader> each) {
        if (closed) throw new IllegalStateException(name + " socket is closed");
        if (Linux.poll(state, name, pollFd, 1, timeoutMillis) <= 0) return false;
        long received = Linux.recv(state, name, fd, reply, RECEIVE_BUFFER, Linux.MSG_DONTWAIT | Linux.MSG_TRUNC);
        if (received <= 0) return false;
        replies.unasked(name, reply, Math.min(received, RECEIVE_BUFFER), each);
        return true;
    }

    /** Closes the socket; idempotent. */
    @Override public void close() {
        if (closed) return;
        closed = true;
        try {
            Linux.close(state, name, fd);
        } finally {
            arena.close();
        }
    }
}
