package weft.kernel;

import java.lang.foreign.Arena;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Finds out whether the kernel offers ESP with {@code rfc4106(gcm(aes))} by doing what Weft would do
 * with it: installing a transport-mode SA over NETLINK_XFRM. Whether the kernel has the algorithm
 * (and can load it) shows only there, not in {@code /proc/crypto}. The attempt runs on a short-lived
 * platform thread inside a network namespace of its own, which disappears with the thread and the SA
 * in it, so the host's namespace never sees it. Never throws and gives up after about three seconds:
 * whatever goes wrong becomes an "unknown: ..." answer. Thread-safe.
 */
public final class XfrmProbe {
    static final String AEAD = "rfc4106(gcm(aes))";
    private static final int REPLY_TIMEOUT_MILLIS = 2000;
    /** The reply timeout, and time to create the namespace and the socket. */
    private static final long GIVE_UP_MILLIS = REPLY_TIMEOUT_MILLIS + 1000;
    private static final int SPI = 0x100, REPLAY_WINDOW = 32, ICV_BITS = 128;
    /** An AES-256 key and the 4-byte salt rfc4106 appends to it. */
    private static final int KEY_BYTES = 32 + 4;
    private static final String SOCKET = "AF_NETLINK, NETLINK_XFRM";

    private XfrmProbe() {}

    /** Asks the kernel; takes up to a few seconds, so call it once at start. */
    public static EspSupport probe() {
        CompletableFuture<EspSupport> answer = new CompletableFuture<>();
        try {
            // daemon: a thread stuck in the kernel after the caller gave up must not keep the JVM alive
            Thread.ofPlatform().name("xfrm-probe").daemon().start(() -> {
                try {
                    answer.complete(attempt());
                } catch (Throwable t) { // thread root: the caller gets an answer, whatever failed
                    answer.complete(unknown("the probe failed: " + t));
                }
            });
        } catch (OutOfMemoryError e) { // how the JVM reports that the system refused a new thread
            return unknown("cannot start the probe thread: " + e.getMessage());
        }
        return answer.completeOnTimeout(unknown("no answer from the kernel within " + GIVE_UP_MILLIS + " ms"),
                GIVE_UP_MILLIS, TimeUnit.MILLISECONDS).join();
    }

    /** Runs on the probe's own thread, which it moves into a new network namespace for good. */
    private static EspSupport attempt() throws UnknownHostException {
        try (Arena arena = Arena.ofConfined()) {
            Linux.unshare(Linux.newCallState(arena), Linux.CLONE_NEWNET);
        } catch (NativeCallException e) {
            return unknown("cannot create a network namespace to probe in: " + e.getMessage());
        }
        NetlinkSocket socket;
        try {
            socket = NetlinkSocket.open(SOCKET, NetlinkAbi.NETLINK_XFRM, REPLY_TIMEOUT_MILLIS);
        } catch (NativeCallException e) {
            return unknown("cannot open NETLINK_XFRM: " + e.getMessage());
        }
        // documentation addresses (RFC 5737): nothing is ever sent, and the namespace has no routes anyway
        Inet4Address source = (Inet4Address) InetAddress.getByName("192.0.2.1");
        Inet4Address destination = (Inet4Address) InetAddress.getByName("192.0.2.2");
        String operation = "XFRM_MSG_NEWSA esp spi 0x" + Integer.toHexString(SPI) + " " + source.getHostAddress()
                + " > " + destination.getHostAddress() + " aead " + AEAD;
        try (socket) {
            // the key is irrelevant: the SA never carries a packet and dies with its namespace
            int length = new XfrmRequests().newEspTransportSa(socket.request(), socket.nextSequence(), source, destination,
                    SPI, 0, REPLAY_WINDOW, false, AEAD, new byte[KEY_BYTES], ICV_BITS);
            return socket.tryExchange(operation, length, reply -> {
                        // NEWSA answers with nothing but its ack; anything else cannot change the verdict
                    })
                    .map(XfrmProbe::refused)
                    .orElseGet(() -> new EspSupport(true, "ESP with " + AEAD + " available"));
        } catch (NativeCallException e) {
            return unknown(e.getMessage());
        }
    }

    /** The kernel's own explanation first, when it gave one: it names what is missing, the errno only how it failed. */
    static EspSupport refused(NetlinkSocket.Refusal refusal) {
        String errno = Errno.describe(refusal.errno());
        String why = refusal.kernelMessage() == null || refusal.kernelMessage().isEmpty()
                ? errno + " (errno " + refusal.errno() + ")"
                : refusal.kernelMessage() + " (" + errno + ", errno " + refusal.errno() + ")";
        return new EspSupport(false, "no ESP: the kernel refused an " + AEAD + " SA: " + why);
    }

    private static EspSupport unknown(String why) {
        return new EspSupport(false, "unknown: " + why);
    }
}
