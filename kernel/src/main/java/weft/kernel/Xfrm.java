package weft.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntSupplier;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * A NETLINK_XFRM client for Weft's own IPsec state: ESP transport-mode SAs and the policies that send UDP through
 * them, all tagged with {@link #REQID} so that Weft finds (and removes) exactly its own and never another tool's.
 * Bound to the network namespace of the thread that {@link #open}s it. Each operation is one exchange: a kernel
 * refusal becomes a {@link NativeCallException} naming the operation and its arguments, with the kernel's own
 * explanation when it gives one. Not thread-safe: one thread at a time.
 */
public final class Xfrm implements AutoCloseable {
    /** Marks Weft's SAs and policy templates ("weft" in ASCII); a template with a reqid only uses SAs with that reqid. */
    public static final int REQID = 0x77656674;
    public static final String AEAD = XfrmProbe.AEAD;
    /** GCM's full 16-byte tag. */
    public static final int ICV_BITS = 128;
    /** Packets of one pair may overtake each other (several CPUs, GSO); 256 tolerates that, as Weave's did. */
    public static final int REPLAY_WINDOW = 256;
    private static final int REPLY_TIMEOUT_MILLIS = 5000;
    private static final ValueLayout.OfInt U32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort U16 = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfInt BE32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Which way a policy applies. */
    public enum Direction {
        IN(NetlinkAbi.XFRM_POLICY_IN), OUT(NetlinkAbi.XFRM_POLICY_OUT);

        final int kernel;

        Direction(int kernel) {
            this.kernel = kernel;
        }
    }

    /** An IPv4 ESP SA as a dump reports it: what deleting it takes, and whose it is. */
    record State(Inet4Address destination, int spi, int reqid) {
    }

    /** A policy as a dump reports it: what deleting it takes, and the reqid of its first template (0 for none). */
    record Policy(int index, int direction, int reqid) {
    }

    /** Where requests go: {@link NetlinkSocket#exchange} in production; the kernel's replies as bytes in the fuzz tests. */
    interface Exchange {
        void exchange(String operation, int length, Consumer<NetlinkReader> onData);
    }

    private final MemorySegment request;
    private final IntSupplier sequence;
    private final Exchange exchange;
    private final Runnable onClose;
    private final XfrmRequests requests = new XfrmRequests();
    private final NetlinkAttributes attributes = new NetlinkAttributes();

    Xfrm(MemorySegment request, IntSupplier sequence, Exchange exchange, Runnable onClose) {
        this.request = request;
        this.sequence = sequence;
        this.exchange = exchange;
        this.onClose = onClose;
    }

    /** Opens a client in the calling thread's network namespace. */
    public static Xfrm open() {
        NetlinkSocket socket = NetlinkSocket.open("AF_NETLINK, NETLINK_XFRM", NetlinkAbi.NETLINK_XFRM, REPLY_TIMEOUT_MILLIS);
        return new Xfrm(socket.request(), socket::nextSequence, socket::exchange, socket::close);
    }

    /**
     * A client that talks to no kernel: it hands each request's bytes to {@code requests}, in order, and takes every
     * request as accepted (dumps come back empty). For replaying exactly what Weft would send in another kernel, as
     * the ESP test in a virtual machine does.
     */
    public static Xfrm recorder(Consumer<byte[]> requests) {
        MemorySegment buffer = Arena.ofAuto().allocate(4096, 8);
        int[] next = {0};
        return new Xfrm(buffer, () -> ++next[0],
                (operation, length, onData) -> requests.accept(buffer.asSlice(0, length).toArray(JAVA_BYTE)), () -> { });
    }

    /**
     * Installs the ESP SA for packets from {@code source} to {@code destination}: {@link #AEAD} with the 36-byte
     * {@code key} (AES key and salt), 64-bit sequence numbers, Weft's reqid.
     */
    public void addEspSa(Inet4Address source, Inet4Address destination, int spi, byte[] key) {
        acked("XFRM_MSG_NEWSA " + saText(source, destination, spi), requests.newEspTransportSa(request, sequence.getAsInt(),
                source, destination, spi, REQID, REPLAY_WINDOW, true, AEAD, key, ICV_BITS));
    }

    public void deleteEspSa(Inet4Address destination, int spi) {
        acked("XFRM_MSG_DELSA esp spi 0x" + Integer.toHexString(spi) + " to " + destination.getHostAddress(),
                requests.deleteEspSa(request, sequence.getAsInt(), destination, spi));
    }

    /** Requires ESP in transport mode, by one of Weft's SAs, for the packets {@code selector} matches. */
    public void addEspPolicy(Direction direction, UdpSelector selector) {
        acked("XFRM_MSG_NEWPOLICY " + direction.name().toLowerCase() + " " + selector + " esp transport",
                requests.newEspTransportPolicy(request, sequence.getAsInt(), direction.kernel, selector, REQID));
    }

    public void deletePolicy(Direction direction, UdpSelector selector) {
        acked("XFRM_MSG_DELPOLICY " + direction.name().toLowerCase() + " " + selector,
                requests.deletePolicy(request, sequence.getAsInt(), direction.kernel, selector));
    }

    /**
     * Removes every SA and policy of Weft's ({@link #REQID}), such as those of a router that did not stop cleanly;
     * returns how many it removed. Everything else is left alone.
     */
    public int removeWeftState() {
        int removed = 0;
        for (Policy policy : policies()) {
            if (policy.reqid() != REQID) continue;
            acked("XFRM_MSG_DELPOLICY index " + policy.index(),
                    requests.deletePolicy(request, sequence.getAsInt(), policy.direction(), policy.index()));
            removed++;
        }
        for (State state : states()) {
            if (state.reqid() != REQID) continue;
            deleteEspSa(state.destination(), state.spi());
            removed++;
        }
        return removed;
    }

    List<State> states() {
        return dump("XFRM_MSG_GETSA dump", requests.dumpSas(request, sequence.getAsInt()), NetlinkAbi.XFRM_MSG_NEWSA,
                NetlinkAbi.XFRM_USERSA_INFO_LEN, Xfrm::state);
    }

    List<Policy> policies() {
        return dump("XFRM_MSG_GETPOLICY dump", requests.dumpPolicies(request, sequence.getAsInt()), NetlinkAbi.XFRM_MSG_NEWPOLICY,
                NetlinkAbi.XFRM_USERPOLICY_INFO_LEN, message -> policy(message, attributes));
    }

    /** The entries of a dump whose messages of {@code type} decode to non-null; one shorter than its header is malformed. */
    private <T> List<T> dump(String operation, int length, int type, int headerLength, Function<NetlinkReader, T> decode) {
        List<T> found = new ArrayList<>();
        exchange.exchange(operation, length, message -> {
            if (message.type() != type) return;
            if (message.payloadLength() < headerLength) throw malformed(operation, message);
            T entry = decode.apply(message);
            if (entry != null) found.add(entry);
        });
        return found;
    }

    /** The IPv4 ESP SA in a NEWSA message of at least xfrm_usersa_info's length; null for any other kind. */
    static State state(NetlinkReader message) {
        MemorySegment buffer = message.buffer();
        long info = message.payloadOffset();
        if (buffer.get(U16, info + XfrmRequests.FAMILY) != Linux.AF_INET) return null;
        if (Byte.toUnsignedInt(buffer.get(JAVA_BYTE, info + XfrmRequests.PROTO)) != NetlinkAbi.IPPROTO_ESP) return null;
        byte[] destination = buffer.asSlice(info + XfrmRequests.DADDR, 4).toArray(JAVA_BYTE);
        try {
            return new State((Inet4Address) InetAddress.getByAddress(destination), buffer.get(BE32, info + XfrmRequests.SPI),
                    buffer.get(U32, info + XfrmRequests.REQID));
        } catch (UnknownHostException e) {
            throw new AssertionError("4 bytes are always an IPv4 address", e);
        }
    }

    /** The policy in a NEWPOLICY message of at least xfrm_userpolicy_info's length; templates too short are ignored. */
    static Policy policy(NetlinkReader message, NetlinkAttributes attributes) {
        MemorySegment buffer = message.buffer();
        long info = message.payloadOffset();
        int reqid = 0;
        attributes.wrap(buffer, info + NetlinkAbi.XFRM_USERPOLICY_INFO_LEN,
                message.payloadLength() - NetlinkAbi.XFRM_USERPOLICY_INFO_LEN);
        while (attributes.next() == NetlinkAttributes.Check.OK) {
            if (attributes.type() == NetlinkAbi.XFRMA_TMPL && attributes.valueLength() >= NetlinkAbi.XFRM_USER_TMPL_LEN) {
                reqid = buffer.get(U32, attributes.valueOffset() + XfrmRequests.TMPL_REQID);
                break;
            }
        }
        return new Policy(buffer.get(U32, info + XfrmRequests.POLICY_INDEX),
                Byte.toUnsignedInt(buffer.get(JAVA_BYTE, info + XfrmRequests.POLICY_DIR)), reqid);
    }

    private void acked(String operation, int length) {
        exchange.exchange(operation, length, message -> {
            // these requests are answered by their ack alone; anything else cannot change the outcome
        });
    }

    private static String saText(Inet4Address source, Inet4Address destination, int spi) {
        return "esp spi 0x" + Integer.toHexString(spi) + " " + source.getHostAddress() + " > " + destination.getHostAddress()
                + " aead " + AEAD;
    }

    private static NativeCallException malformed(String operation, NetlinkReader message) {
        return new NativeCallException(operation, Errno.EPROTO, operation + " failed: malformed message of type "
                + message.type() + " (" + message.payloadLength() + " bytes of payload) in the kernel's reply");
    }

    /** Closes the socket; idempotent. */
    @Override
    public void close() {
        onClose.run();
    }
}
