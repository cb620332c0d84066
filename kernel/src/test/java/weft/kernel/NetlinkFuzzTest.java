package weft.kernel;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the kernel layer reads from the kernel over netlink, each input one received datagram, read as the sockets
 * read it but without one: the replies to a request ({@link NetlinkReplies#read}, what {@link NetlinkSocket#exchange}
 * does with each datagram), the dumps {@link Rtnetlink} decodes into links, addresses, routes and neighbours (as its
 * dump callbacks do, which need a socket to reach), the dumps {@link Xfrm} reads (through the real client, over an
 * exchange that answers with the input), and the packets {@link NflogSocket} takes from what the kernel sends unasked.
 *
 * <p>A finding is any exception but the documented refusal, a {@link NativeCallException}: EPROTO for a malformed reply
 * (a decoder's null, which the client turns into EPROTO, included), ENOBUFS for an overrun, ETIMEDOUT for a reply that
 * the datagram leaves unfinished, the kernel's own errno (with its explanation) for a refused request.
 */
class NetlinkFuzzTest {
    /** The sequence number of the request every input answers (the seeds' too). */
    private static final int SEQUENCE = 0x5746;
    private static final String OPERATION = "fuzzed reply";

    private final NetlinkReplies replies = new NetlinkReplies();
    private final NetlinkAttributes top = new NetlinkAttributes(), inner = new NetlinkAttributes(),
            innermost = new NetlinkAttributes();

    /** Reads {@code datagram} as the replies to request {@link #SEQUENCE}, as the socket does, refusals thrown as it throws them. */
    private void exchange(byte[] datagram, Consumer<NetlinkReader> onData) {
        if (!replies.read(OPERATION, SEQUENCE, MemorySegment.ofArray(datagram), datagram.length, onData)) {
            throw new NativeCallException(OPERATION, Errno.ETIMEDOUT, OPERATION + ": the datagram did not end the reply");
        }
        NetlinkSocket.Refusal refusal = replies.refusal();
        if (refusal != null) {
            assertNotNull(XfrmProbe.refused(refusal).detail(), "the probe's verdict on a refusal"); // the other caller of a refusal
            throw refusal.toException(OPERATION);
        }
    }

    /** Like {@link #exchange}, with the documented refusal caught. */
    private void read(byte[] datagram, Consumer<NetlinkReader> onData) {
        try {
            exchange(datagram, onData);
        } catch (NativeCallException refused) {
            assertNotNull(refused.getMessage());
        }
    }

    private static NativeCallException malformed(NetlinkReader message) {
        return new NativeCallException(OPERATION, Errno.EPROTO, "malformed message of type " + message.type());
    }

    /** The acks, errors (with extended acks) and DONEs that end every exchange. */
    @FuzzTest
    void reply(byte[] datagram) {
        try {
            exchange(datagram, message -> { });
        } catch (NativeCallException refused) {
            boolean ours = refused.errno() == Errno.EPROTO || refused.errno() == Errno.ENOBUFS || refused.errno() == Errno.ETIMEDOUT;
            assertTrue(ours || refused.getMessage().startsWith(OPERATION + " failed: "), refused.getMessage());
        }
    }

    /** An RTM_GETLINK dump or lookup, as {@code Rtnetlink.links()} and {@code link(name)} read it. */
    @FuzzTest
    void links(byte[] datagram) {
        read(datagram, message -> {
            if (message.type() != NetlinkAbi.RTM_NEWLINK) return;
            Link link = Link.decode(message, top, inner, innermost);
            if (link == null) throw malformed(message);
            assertNotNull(link.toString());
        });
    }

    /** An RTM_GETADDR dump, as {@code Rtnetlink.addresses(name)} reads it. */
    @FuzzTest
    void addresses(byte[] datagram) {
        read(datagram, message -> {
            if (message.type() != NetlinkAbi.RTM_NEWADDR) return;
            AssignedAddress address = AssignedAddress.decode(message, top);
            if (address == null) throw malformed(message);
            assertNotNull(address.toString());
        });
    }

    /** An RTM_GETROUTE dump or lookup, as {@code Rtnetlink.routes()} and {@code routeTo(destination)} read it. */
    @FuzzTest
    void routes(byte[] datagram) {
        read(datagram, message -> {
            if (message.type() != NetlinkAbi.RTM_NEWROUTE) return;
            Route route = Route.decode(message, top, inner);
            if (route != null) assertNotNull(route.destination());
        });
    }

    /** An RTM_GETNEIGH dump of ARP/NDP entries or forwarding entries, as {@code Rtnetlink.neighbours} and {@code fdb} read it. */
    @FuzzTest
    void neighbours(byte[] datagram) {
        read(datagram, message -> {
            if (message.type() != NetlinkAbi.RTM_NEWNEIGH) return;
            Neighbour neighbour = Neighbour.decode(message, top);
            if (neighbour == null) throw malformed(message);
            assertNotNull(neighbour.toString());
        });
    }

    private Xfrm xfrmAnswering(byte[] datagram) {
        MemorySegment request = MemorySegment.ofArray(new byte[4096]);
        return new Xfrm(request, () -> SEQUENCE, (operation, length, onData) -> exchange(datagram, onData), () -> { });
    }

    /** An XFRM_MSG_GETSA dump, through {@link Xfrm}'s own dump. */
    @FuzzTest
    void xfrmStates(byte[] datagram) {
        try (Xfrm xfrm = xfrmAnswering(datagram)) {
            List<Xfrm.State> states = xfrm.states();
            states.forEach(state -> assertNotNull(state.destination()));
        } catch (NativeCallException refused) {
            assertNotNull(refused.getMessage());
        }
    }

    /** An XFRM_MSG_GETPOLICY dump, through {@link Xfrm}'s own dump. */
    @FuzzTest
    void xfrmPolicies(byte[] datagram) {
        try (Xfrm xfrm = xfrmAnswering(datagram)) {
            assertNotNull(xfrm.policies());
        } catch (NativeCallException refused) {
            assertNotNull(refused.getMessage());
        }
    }

    /** A datagram of nfnetlink_log messages, as {@code NflogSocket.receive} reads it. */
    @FuzzTest
    void nflogPackets(byte[] datagram) {
        try {
            replies.unasked(OPERATION, MemorySegment.ofArray(datagram), datagram.length, message -> {
                NflogSocket.Packet packet = NflogSocket.packet(message, top);
                if (packet != null) assertNotNull(packet.prefix());
            });
        } catch (NativeCallException refused) {
            assertTrue(refused.errno() == Errno.EPROTO, refused.getMessage());
        }
    }
}
