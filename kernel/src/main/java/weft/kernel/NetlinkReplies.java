package weft.kernel;

import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * Reads the messages of one datagram a {@link NetlinkSocket} received: the replies to its request ({@link #read}), or
 * what the kernel sends unasked ({@link #unasked}). The bytes are checked by {@link NetlinkReader}; a datagram that
 * does not parse is a {@link NativeCallException} with EPROTO, a netlink overrun one with ENOBUFS, both naming the
 * operation. Apart from the socket so that the kernel's bytes can be read without one. One per socket; not
 * thread-safe.
 */
final class NetlinkReplies {
    private final NetlinkReader reader = new NetlinkReader();
    private final NetlinkAttributes ackAttributes = new NetlinkAttributes();
    private NetlinkSocket.Refusal refusal;

    /**
     * Hands each data reply to request {@code expected} in {@code datagram[0, length)} to {@code onData}, skipping
     * stale replies; returns true when the request's ack or a dump's DONE came, and {@link #refusal} then says
     * whether the kernel refused.
     */
    boolean read(String operation, int expected, MemorySegment datagram, long length, Consumer<NetlinkReader> onData) {
        refusal = null;
        reader.wrap(datagram, length);
        while (true) {
            NetlinkReader.Check check = reader.next();
            if (check == NetlinkReader.Check.END) return false;
            if (check != NetlinkReader.Check.OK) {
                throw new NativeCallException(operation, Errno.EPROTO,
                        operation + " failed: malformed reply from the kernel (" + check + ")");
            }
            if (reader.sequence() != expected) continue; // a late reply to a request that timed out
            switch (reader.type()) {
                case NetlinkAbi.NLMSG_ERROR -> {
                    int error = reader.error();
                    if (error != 0) refusal = new NetlinkSocket.Refusal(-error, reader.extendedAckMessage(ackAttributes));
                    return true;
                }
                case NetlinkAbi.NLMSG_DONE -> {
                    int error = reader.error();
                    if (error < 0) refusal = new NetlinkSocket.Refusal(-error, null);
                    return true;
                }
                case NetlinkAbi.NLMSG_OVERRUN -> throw new NativeCallException(operation, Errno.ENOBUFS,
                        operation + " failed: the kernel reported a netlink overrun");
                case NetlinkAbi.NLMSG_NOOP -> { }
                default -> onData.accept(reader);
            }
        }
    }

    /** The kernel's refusal of the request whose replies the last {@link #read} that returned true ended; null when it accepted. */
    NetlinkSocket.Refusal refusal() {
        return refusal;
    }

    /** Hands each message in {@code datagram[0, length)} to {@code each}; {@code name} is the socket's, for errors. */
    void unasked(String name, MemorySegment datagram, long length, Consumer<NetlinkReader> each) {
        reader.wrap(datagram, length);
        while (true) {
            NetlinkReader.Check check = reader.next();
            if (check == NetlinkReader.Check.END) return;
            if (check != NetlinkReader.Check.OK) {
                throw new NativeCallException(name, Errno.EPROTO, name + ": malformed message from the kernel (" + check + ")");
            }
            each.accept(reader);
        }
    }
}
