package weft.router.fastpath;

import weft.kernel.NativeCallException;
import weft.kernel.UdpSelector;
import weft.kernel.Xfrm;

import java.net.Inet4Address;
import java.util.List;
import java.util.Objects;

/**
 * The kernel ESP state that encrypts one pair's fast path: SAs each way (rolled over as the pair ages, see
 * {@link EspRollover}) and a policy each way, selecting the
 * VXLAN packets between the two hosts (UDP to {@code port} on the other end). The outbound policy makes the kernel
 * encrypt every VXLAN packet to the peer, heartbeats included, so heartbeats that flow prove ESP works end to end;
 * the inbound one ("level required") makes it drop VXLAN from the peer that did not come through one of our inbound
 * SAs, so nobody can inject frames in clear. Both ends derive the same keys and SPIs from their session, so what one
 * installs as outbound the other installs as inbound.
 *
 * <p>Not thread-safe: owned by the fast path's agent thread, like the {@link Xfrm} client its methods are given.
 */
public final class EspPair {
    /**
     * The most ESP transport mode with rfc4106 adds to a VXLAN packet: SPI 4, sequence number 4, IV 8, padding
     * 0-3 (to 4 bytes), pad length 1, next header 1, ICV 16.
     */
    public static final int MAX_OVERHEAD = 37;

    private final Inet4Address local, remote;
    private final int port;
    private final EspRollover rollover;

    /** @param startNanos when the pair starts, on the clock later {@link #rollOver} times are given on */
    public EspPair(Inet4Address local, Inet4Address remote, int port, EspKeys keys, long startNanos) {
        this.local = Objects.requireNonNull(local, "local");
        this.remote = Objects.requireNonNull(remote, "remote");
        this.port = port;
        this.rollover = new EspRollover(local, remote, Objects.requireNonNull(keys, "keys"), startNanos);
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
        EspSas sas = EspSas.of(xfrm);
        rollover.install(sas);
        if (!policies) return;
        boolean outboundAdded = false;
        try {
            xfrm.addEspPolicy(Xfrm.Direction.OUT, outbound());
            outboundAdded = true;
            xfrm.addEspPolicy(Xfrm.Direction.IN, inbound());
        } catch (NativeCallException e) {
            if (outboundAdded) attempt(e, () -> xfrm.deletePolicy(Xfrm.Direction.OUT, outbound()));
            rollover.remove(sas).forEach(failure -> e.addSuppressed(new IllegalStateException("undoing the SAs: " + failure)));
            throw e;
        }
    }

    /**
     * Moves the SAs to the keys of {@code now}'s epoch (see {@link EspRollover#advance}); returns whether the
     * outbound SA changed. Throws the kernel's refusal; the next call carries on where this one stopped.
     */
    boolean rollOver(Xfrm xfrm, long now) {
        return rollover.advance(EspSas.of(xfrm), now);
    }

    /**
     * Removes the SAs, then (with {@code policies}) the policies: while the outbound policy stands without its SA
     * the kernel drops the pair's VXLAN packets, where without the policy it would send them in clear. So the
     * caller removes the policies only once no forwarding entry sends anything to the peer, and keeps them when a
     * newer pair with the same ends uses them. Whatever is already gone is fine; returns the refusals of the rest,
     * so one failure does not leave the others.
     */
    List<String> remove(Xfrm xfrm, boolean policies) {
        List<String> failures = rollover.remove(EspSas.of(xfrm));
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

    /** The epoch whose key we send under. */
    long epoch() {
        return rollover.sendingEpoch();
    }

    private static void attempt(List<String> failures, Runnable step) {
        try {
            step.run();
        } catch (NativeCallException e) {
            if (!EspRollover.gone(e)) failures.add(e.getMessage());
        }
    }

    private static void attempt(NativeCallException first, Runnable step) {
        try {
            step.run();
        } catch (NativeCallException cleanup) {
            first.addSuppressed(cleanup); // the first refusal is the one to report; this one travels with it
        }
    }

    @Override
    public String toString() {
        return "ESP " + local.getHostAddress() + " <> " + remote.getHostAddress() + " UDP " + port + ", spi out 0x"
                + Integer.toHexString(rollover.sendingSpi()) + ", in " + rollover.receivingSpis().stream()
                .map(spi -> "0x" + Integer.toHexString(spi)).collect(java.util.stream.Collectors.joining(" "));
    }
}
