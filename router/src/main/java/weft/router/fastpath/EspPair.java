package weft.router.fastpath;

import weft.kernel.Errno;
import weft.kernel.NativeCallException;
import weft.kernel.UdpSelector;
import weft.kernel.Xfrm;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The kernel ESP state that encrypts one pair's fast path: an SA each way and a policy each way, selecting the
 * VXLAN packets between the two hosts (UDP to {@code port} on the other end). The outbound policy makes the kernel
 * encrypt every VXLAN packet to the peer, heartbeats included, so heartbeats that flow prove ESP works end to end;
 * the inbound one ("level required") makes it drop VXLAN from the peer that did not come through our inbound SA,
 * so nobody can inject frames in clear. Both ends derive the same keys and SPIs from their session, so what one
 * installs as outbound the other installs as inbound. Immutable value; the caller owns the {@link Xfrm} client.
 */
public record EspPair(Inet4Address local, Inet4Address remote, int port, EspKeys keys) {
    /**
     * The most ESP transport mode with rfc4106 adds to a VXLAN packet: SPI 4, sequence number 4, IV 8, padding
     * 0-3 (to 4 bytes), pad length 1, next header 1, ICV 16.
     */
    public static final int MAX_OVERHEAD = 37;

    public EspPair {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(keys, "keys");
    }

    UdpSelector outbound() {
        return new UdpSelector(local, remote, port);
    }

    UdpSelector inbound() {
        return new UdpSelector(remote, local, port);
    }

    /**
     * Installs the SAs, then (with {@code policies}) the policies, so that the policies never select packets before
     * an SA can carry them; without, the policies of an earlier pair with the same ends stay in place (a
     * reconnection), so the pair's packets never lose their policy. When a step fails, undoes the steps before it
     * and throws the kernel's refusal.
     */
    void install(Xfrm xfrm, boolean policies) {
        List<Runnable> undo = new ArrayList<>(4);
        try {
            byte[] sendKey = keys.send().material(), receiveKey = keys.receive().material();
            try {
                xfrm.addEspSa(local, remote, keys.send().spi(), sendKey);
                undo.add(() -> xfrm.deleteEspSa(remote, keys.send().spi()));
                xfrm.addEspSa(remote, local, keys.receive().spi(), receiveKey);
                undo.add(() -> xfrm.deleteEspSa(local, keys.receive().spi()));
            } finally {
                // the kernel holds its own copy now; ours need not outlive the request
                java.util.Arrays.fill(sendKey, (byte) 0);
                java.util.Arrays.fill(receiveKey, (byte) 0);
            }
            if (!policies) return;
            xfrm.addEspPolicy(Xfrm.Direction.OUT, outbound());
            undo.add(() -> xfrm.deletePolicy(Xfrm.Direction.OUT, outbound()));
            xfrm.addEspPolicy(Xfrm.Direction.IN, inbound());
        } catch (NativeCallException e) {
            for (Runnable step : undo.reversed()) {
                try {
                    step.run();
                } catch (NativeCallException cleanup) {
                    e.addSuppressed(cleanup); // the first refusal is the one to report; this one travels with it
                }
            }
            throw e;
        }
    }

    /**
     * Removes the SAs, then (with {@code policies}) the policies: while the outbound policy stands without its SA
     * the kernel drops the pair's VXLAN packets, where without the policy it would send them in clear. So the
     * caller removes the policies only once no forwarding entry sends anything to the peer, and keeps them when a
     * newer pair with the same ends uses them. Whatever is already gone is fine; returns the refusals of the rest,
     * so one failure does not leave the others.
     */
    List<String> remove(Xfrm xfrm, boolean policies) {
        List<String> failures = new ArrayList<>();
        attempt(failures, () -> xfrm.deleteEspSa(remote, keys.send().spi()));
        attempt(failures, () -> xfrm.deleteEspSa(local, keys.receive().spi()));
        if (policies) {
            attempt(failures, () -> xfrm.deletePolicy(Xfrm.Direction.OUT, outbound()));
            attempt(failures, () -> xfrm.deletePolicy(Xfrm.Direction.IN, inbound()));
        }
        return failures;
    }

    /** Whether {@code other}'s policies are this pair's: the same two ends and port, whatever the keys. */
    boolean sameEnds(EspPair other) {
        return local.equals(other.local) && remote.equals(other.remote) && port == other.port;
    }

    private static void attempt(List<String> failures, Runnable step) {
        try {
            step.run();
        } catch (NativeCallException e) {
            if (e.errno() != Errno.ENOENT && e.errno() != Errno.ESRCH) failures.add(e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "ESP " + local.getHostAddress() + " <> " + remote.getHostAddress() + " UDP " + port + ", spi out 0x"
                + Integer.toHexString(keys.send().spi()) + ", in 0x" + Integer.toHexString(keys.receive().spi());
    }
}
