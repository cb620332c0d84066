package weft.kernel;

import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The packets nftables' {@code log group N} statements send to user space (nfnetlink_log), read from a netlink
 * socket bound to that group in the network namespace of the thread that {@link #bind}s it. Only one socket per
 * namespace can hold a group. Each packet comes with the rule's prefix and its first bytes (the IP and transport
 * headers suffice to say who was dropped); the kernel sends each as it is logged.
 *
 * <p>Not thread-safe: one thread reads.
 */
public final class NflogSocket implements AutoCloseable {
    private static final int NFNL_SUBSYS_ULOG = 4, NFULNL_MSG_PACKET = 0, NFULNL_MSG_CONFIG = 1;
    private static final int NFULA_CFG_CMD = 1, NFULA_CFG_MODE = 2, NFULA_CFG_QTHRESH = 5;
    private static final int NFULNL_CFG_CMD_BIND = 1, NFULNL_COPY_PACKET = 2;
    private static final int NFULA_PAYLOAD = 9, NFULA_PREFIX = 10;
    private static final int NFGENMSG_LEN = 4, AF_UNSPEC = 0;
    private static final int REPLY_TIMEOUT_MILLIS = 5_000;
    private static final java.lang.foreign.ValueLayout.OfInt JAVA_INT_BE = JAVA_INT.withOrder(java.nio.ByteOrder.BIG_ENDIAN).withByteAlignment(1);

    /** One logged packet: the rule's prefix, and the packet's first bytes from its IP header on. */
    public record Packet(String prefix, byte[] payload) {
    }

    private final NetlinkSocket socket;
    private final NetlinkAttributes attributes = new NetlinkAttributes();

    private NflogSocket(NetlinkSocket socket) {
        this.socket = socket;
    }

    /**
     * Binds {@code group}, asking for the first {@code copyBytes} of each packet.
     *
     * @throws NativeCallException when the kernel refuses (EBUSY: another socket holds the group; EPERM without CAP_NET_ADMIN)
     */
    public static NflogSocket bind(int group, int copyBytes) {
        NetlinkSocket socket = NetlinkSocket.open("AF_NETLINK, NETLINK_NETFILTER", NetlinkAbi.NETLINK_NETFILTER, REPLY_TIMEOUT_MILLIS);
        try {
            NflogSocket nflog = new NflogSocket(socket);
            nflog.configure(group, "binding NFLOG group " + group, writer -> {
                int command = writer.attribute(NFULA_CFG_CMD, 1);
                socket.request().set(JAVA_BYTE, command, (byte) NFULNL_CFG_CMD_BIND);
            });
            nflog.configure(group, "setting NFLOG group " + group + "'s copy mode", writer -> {
                int mode = writer.attribute(NFULA_CFG_MODE, 6); // __be32 copy_range, u8 copy_mode, u8 pad
                socket.request().set(JAVA_INT_BE, mode, copyBytes);
                socket.request().set(JAVA_BYTE, mode + 4, (byte) NFULNL_COPY_PACKET);
            });
            nflog.configure(group, "setting NFLOG group " + group + "'s queue threshold", writer -> {
                int threshold = writer.attribute(NFULA_CFG_QTHRESH, 4); // each packet at once, not batched for a second
                socket.request().set(JAVA_INT_BE, threshold, 1);
            });
            return nflog;
        } catch (RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void configure(int group, String operation, Consumer<NetlinkWriter> attributes) {
        NetlinkWriter writer = new NetlinkWriter().begin(socket.request(), NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_CONFIG,
                NetlinkAbi.NLM_F_REQUEST | NetlinkAbi.NLM_F_ACK, socket.nextSequence());
        int header = writer.reserve(NFGENMSG_LEN); // nfgenmsg: u8 family, u8 version (0), __be16 res_id (the group)
        socket.request().set(JAVA_BYTE, header, (byte) AF_UNSPEC);
        socket.request().set(JAVA_BYTE, header + 2, (byte) (group >>> 8));
        socket.request().set(JAVA_BYTE, header + 3, (byte) group);
        attributes.accept(writer);
        socket.exchange(operation, writer.finish(), reply -> { });
    }

    /**
     * Waits up to {@code timeoutMillis} and hands each packet that came to {@code each}; false when none came.
     * Messages that are not packets, or packets without a payload, are skipped.
     */
    public boolean receive(int timeoutMillis, Consumer<Packet> each) {
        return socket.receive(timeoutMillis, message -> {
            Packet packet = packet(message, attributes);
            if (packet != null) each.accept(packet);
        });
    }

    /**
     * The packet in an nfnetlink_log message ({@code nfgenmsg}, then attributes), or null for a message that is not a
     * packet or a packet without a payload. {@code attributes} is the caller's scratch walker.
     */
    static Packet packet(NetlinkReader message, NetlinkAttributes attributes) {
        if (message.type() != (NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET) || message.payloadLength() < NFGENMSG_LEN) return null;
        MemorySegment buffer = message.buffer();
        attributes.wrap(buffer, message.payloadOffset() + NFGENMSG_LEN, message.payloadLength() - NFGENMSG_LEN);
        String prefix = "";
        byte[] payload = null;
        while (attributes.next() == NetlinkAttributes.Check.OK) {
            if (attributes.type() == NFULA_PREFIX) {
                byte[] text = buffer.asSlice(attributes.valueOffset(), attributes.valueLength()).toArray(JAVA_BYTE);
                int end = 0;
                while (end < text.length && text[end] != 0) end++;
                prefix = new String(text, 0, end, java.nio.charset.StandardCharsets.UTF_8);
            } else if (attributes.type() == NFULA_PAYLOAD) {
                payload = buffer.asSlice(attributes.valueOffset(), attributes.valueLength()).toArray(JAVA_BYTE);
            }
        }
        return payload == null ? null : new Packet(prefix, payload);
    }

    @Override
    public void close() {
        socket.close();
    }
}
