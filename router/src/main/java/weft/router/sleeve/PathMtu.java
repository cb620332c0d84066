package weft.router.sleeve;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The path MTU towards one neighbour, learned with don't-fragment probes: every round sends one probe datagram
 * of each candidate size (largest first, from the underlay's nominal MTU down to {@link #MIN_MTU}); the neighbour
 * acknowledges each probe it receives, and when the round closes ({@code ackWaitNanos} later) the path MTU becomes
 * the largest size acknowledged. A probe the kernel refuses as too big (EMSGSIZE: the local link or an ICMP
 * "fragmentation needed" the kernel already heard) lowers the path MTU at once, to what the kernel reports, without
 * waiting for the round to close. Rounds repeat every {@code intervalNanos}, which also finds a path that grew back,
 * and {@code retryNanos} after a round that lowered the MTU, to confirm it;
 * {@link #rediscover} starts one at the next tick, for a send that failed as too big. Between rounds, once a second,
 * a narrower path MTU the kernel learnt (from ICMP) lowers it at once; and every {@code checkNanos} a single probe of
 * the path MTU believed checks that the path still carries it: when that probe is not acknowledged, a round starts
 * at once, so a path that shrank without telling anyone (no ICMP: a black hole) is found within seconds rather
 * than at the next round. A round nothing acknowledges
 * (the neighbour not listening yet, or a router without probes) leaves the MTU as it was and is retried after
 * {@code retryNanos}.
 *
 * <p>A pure core: time is passed in, probes leave through the caller's {@link Prober}. Thread rule: the sending
 * thread calls {@link #tick} and {@link #rediscover}; the receiving thread calls {@link #onAcknowledged}; any thread
 * may read {@link #mtu}.
 */
public final class PathMtu {
    /** IPv4, UDP, the sleeve header and the sealing tag: what a datagram adds to its payload on the wire. */
    public static final int OVERHEAD = 20 + 8 + SleeveHeader.LENGTH + SleeveHeader.TAG_LENGTH;
    /** The smallest path MTU believed: every IPv4 host must take 576-byte datagrams. */
    public static final int MIN_MTU = 576;
    /** Sizes probed below the nominal MTU: common tunnel and link MTUs, then coarser steps. */
    private static final int[] STEPS = {1500, 1492, 1480, 1472, 1460, 1450, 1440, 1420, 1400, 1380, 1360, 1340, 1320,
            1300, 1280, 1240, 1200, 1150, 1100, 1024, 1000, 900, 800, 700, 576};

    /** Sends one probe of {@code mtu} bytes on the wire (IP header included) tagged with {@code round}. */
    public interface Prober {
        /** Sent (which says nothing about arriving). */
        int SENT = 0;

        /** @return {@link #SENT}; the kernel's path MTU (positive) when it refused the probe as too big; negative when it failed otherwise */
        int probe(int round, int mtu);

        /**
         * The path MTU the kernel holds for the neighbour now (its link, or what an ICMP "fragmentation needed" told
         * it about datagrams sent there), or 0 when it cannot say.
         */
        int kernelMtu();
    }

    /** How often the kernel's own idea of the path is read between rounds. */
    public static final long KERNEL_CHECK_NANOS = 1_000_000_000L;

    /** What a {@link #tick} did to the path MTU. */
    public enum Change { NONE, LOWERED, RAISED }

    private final int maxMtu;
    private final int[] candidates;
    private final long ackWaitNanos, intervalNanos, retryNanos, checkNanos;
    private volatile int mtu;
    private volatile int round;
    private final AtomicInteger acknowledged = new AtomicInteger();
    /** When an acknowledgement last came, of any round; written before {@code everAcknowledged}, which publishes it. */
    private volatile long lastAcknowledged;
    private volatile boolean everAcknowledged;
    /** Probing; {@code checking} when the probe out is a check of the believed MTU alone, not a round. */
    private boolean probing, checking;
    private long nextRound, roundCloses, nextKernelCheck, nextCheck;

    /**
     * @param maxMtu the nominal MTU of the underlay, where the path MTU starts and which it never exceeds
     * @param now    the current time; the first round starts at the first {@link #tick}
     */
    public PathMtu(int maxMtu, long now, long ackWaitNanos, long intervalNanos, long retryNanos, long checkNanos) {
        if (maxMtu < MIN_MTU || maxMtu > 65_535) throw new IllegalArgumentException("maxMtu " + maxMtu);
        if (ackWaitNanos <= 0 || intervalNanos <= ackWaitNanos || retryNanos <= ackWaitNanos || checkNanos <= ackWaitNanos) {
            throw new IllegalArgumentException("ackWait " + ackWaitNanos + ", interval " + intervalNanos + ", retry " + retryNanos
                    + ", check " + checkNanos);
        }
        this.maxMtu = maxMtu;
        this.mtu = maxMtu;
        int below = 0;
        for (int step : STEPS) if (step < maxMtu) below++;
        candidates = new int[below + 1];
        candidates[0] = maxMtu;
        int i = 1;
        for (int step : STEPS) if (step < maxMtu) candidates[i++] = step;
        this.ackWaitNanos = ackWaitNanos;
        this.intervalNanos = intervalNanos;
        this.retryNanos = retryNanos;
        this.checkNanos = checkNanos;
        this.nextRound = now;
    }

    /** The path MTU believed now, IP header included. */
    public int mtu() {
        return mtu;
    }

    /** The most payload one sleeve datagram may carry on this path. */
    public int datagramPayload() {
        return mtu - OVERHEAD;
    }

    /** The round being probed (0 before the first). */
    public int round() {
        return round;
    }

    /** Whether the neighbour ever acknowledged a probe; read before {@link #lastAcknowledgedNanos}. */
    public boolean everAcknowledged() {
        return everAcknowledged;
    }

    /** When the neighbour last acknowledged a probe (of any round: a late answer still proves the round trip). */
    public long lastAcknowledgedNanos() {
        return lastAcknowledged;
    }

    /**
     * Receiving thread: the neighbour acknowledged, at {@code now}, the probe of {@code probedMtu} bytes from
     * {@code probeRound}.
     */
    public void onAcknowledged(int probeRound, int probedMtu, long now) {
        if (probedMtu < MIN_MTU || probedMtu > maxMtu) return;
        lastAcknowledged = now;
        everAcknowledged = true;
        if (probeRound != round) return;
        acknowledged.accumulateAndGet(probedMtu, Math::max);
    }

    /** Sending thread: a datagram to this neighbour was refused as too big; probe again at the next tick. */
    public void rediscover() {
        if (!probing) nextRound = Long.MIN_VALUE;
    }

    /**
     * Sending thread: closes a round or check whose time is up, or starts one that is due; returns the change to the
     * MTU.
     */
    public Change tick(long now, Prober prober) {
        if (probing) {
            if (now - roundCloses < 0) return Change.NONE;
            probing = false;
            int best = acknowledged.get();
            nextCheck = now + checkNanos;
            if (checking) {
                checking = false;
                // the path no longer carries what it did, or the probe was lost: a round tells which
                return best >= mtu ? Change.NONE : startRound(now, prober);
            }
            if (best == 0) {
                nextRound = now + retryNanos;
                return Change.NONE;
            }
            Change change = set(best);
            // The largest probes of a round lowering the MTU may have been lost by chance (a neighbour that learns of
            // us a moment into the burst drops what came before): another round soon confirms it or raises it again.
            nextRound = now + (change == Change.LOWERED ? retryNanos : intervalNanos);
            return change;
        }
        if (nextRound == Long.MIN_VALUE || now - nextRound >= 0) return startRound(now, prober);
        if (now - nextCheck >= 0) return startCheck(now, prober);
        return kernelCheck(now, prober);
    }

    /** A single probe of the MTU believed, tagged with a round of its own. */
    private Change startCheck(long now, Prober prober) {
        int thisRound = beginRound(now);
        checking = true;
        int result = prober.probe(thisRound, mtu);
        if (result <= 0) return Change.NONE;
        // refused as too big: the kernel already knows the path is narrower
        probing = false;
        checking = false;
        return startRound(now, prober);
    }

    /** Opens the acknowledgement window of a new round (or check) and returns its number. */
    private int beginRound(long now) {
        int next = round + 1 == 0 ? 1 : round + 1;
        acknowledged.set(0);
        round = next;
        probing = true;
        roundCloses = now + ackWaitNanos;
        return round;
    }

    /**
     * Between rounds: a kernel that learnt of a narrower path (an ICMP "fragmentation needed" for a sleeve datagram
     * sent there, which it would otherwise answer by fragmenting every datagram) lowers the path at once; a round
     * soon after confirms it.
     */
    private Change kernelCheck(long now, Prober prober) {
        if (now - nextKernelCheck < 0) return Change.NONE;
        nextKernelCheck = now + KERNEL_CHECK_NANOS;
        int kernel = prober.kernelMtu();
        if (kernel < MIN_MTU || kernel >= mtu) return Change.NONE;
        mtu = kernel;
        nextRound = now + retryNanos;
        return Change.LOWERED;
    }

    private Change startRound(long now, Prober prober) {
        int thisRound = beginRound(now);
        int ceiling = maxMtu;
        Change change = Change.NONE;
        for (int candidate : candidates) {
            if (candidate > ceiling) continue;
            int result = prober.probe(thisRound, candidate);
            if (result <= 0) continue;
            // refused as too big: the kernel knows the path is narrower; believe it now and probe what it says
            ceiling = Math.max(MIN_MTU, Math.min(candidate - 1, result));
            if (ceiling < mtu) {
                mtu = ceiling;
                change = Change.LOWERED;
            }
            if (ceiling < candidate && isNotCandidate(ceiling)) prober.probe(thisRound, ceiling);
        }
        return change;
    }

    private boolean isNotCandidate(int size) {
        for (int candidate : candidates) if (candidate == size) return false;
        return true;
    }

    private Change set(int newMtu) {
        int old = mtu;
        mtu = newMtu;
        return newMtu < old ? Change.LOWERED : newMtu > old ? Change.RAISED : Change.NONE;
    }
}
