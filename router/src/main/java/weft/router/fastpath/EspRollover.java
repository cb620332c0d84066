package weft.router.fastpath;

import weft.crypto.EspKey;
import weft.kernel.Errno;
import weft.kernel.NativeCallException;

import java.net.Inet4Address;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Which ESP SAs one encrypted pair has in the kernel, and how they roll over as the pair ages, so that no key
 * encrypts a long-lived pair's traffic for ever and one taken from a host's memory opens at most the last
 * {@link #INTERVAL_NANOS} or two of it. The pair's life is cut into epochs of {@link #INTERVAL_NANOS}, counted from
 * when this end installed it; each direction's key of epoch n+1 is {@link EspKey#next} of epoch n's, which both
 * ends compute alike, so the switch needs no message:
 * <ul>
 *   <li>we send under the key of the current epoch: at the start of an epoch, its SA goes in and the previous one
 *       goes out (the kernel sends under the newest SA that matches, and a deleted one is never used again);</li>
 *   <li>we receive under the previous, the current and the next epoch's keys, so whichever of the three the peer
 *       sends under is open: the two ends' epochs start within the moment between their handshakes' ends, far less
 *       than an epoch apart, and an end that stalled long catches up in one step.</li>
 * </ul>
 * Without {@code rollover} (a peer of an earlier release, which only ever installs the first keys) the pair keeps
 * epoch 0 for its life, as before. A kernel refusal leaves the state as far as it got, and the next
 * {@link #advance} carries on from there; a deletion the kernel refused is retried then too.
 *
 * <p>Not thread-safe: owned by the fast path's agent thread, like the {@link EspPair} it belongs to.
 */
final class EspRollover {
    /** As long as the sleeve's keys live (see {@code DatagramKey}). */
    static final long INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(10);

    private record Installed(long epoch, EspKey key) {
    }

    private record Stale(Inet4Address destination, int spi) {
    }

    private final Inet4Address local, remote;
    private final boolean rollover;
    private final long start;
    private Installed sending;
    /** The inbound SAs, oldest first; never empty once installed. */
    private final Deque<Installed> receiving = new ArrayDeque<>(3);
    private final List<Stale> stale = new ArrayList<>();

    EspRollover(Inet4Address local, Inet4Address remote, EspKeys keys, long startNanos) {
        this.local = local;
        this.remote = remote;
        this.rollover = keys.rollover();
        this.start = startNanos;
        this.sending = new Installed(0, keys.send());
        this.receiving.add(new Installed(0, keys.receive()));
    }

    /**
     * Installs epoch 0 each way and, when rolling over, the next inbound one. When the kernel refuses one, removes
     * the ones before it and throws the refusal.
     */
    void install(EspSas sas) {
        List<Runnable> undo = new ArrayList<>(3);
        try {
            sas.add(local, remote, sending.key());
            undo.add(() -> sas.delete(remote, sending.key().spi()));
            sas.add(remote, local, receiving.getFirst().key());
            undo.add(() -> sas.delete(local, receiving.getFirst().key().spi()));
            if (rollover) addReceiving(sas, receiving.getLast().key().next(), 1);
        } catch (NativeCallException e) {
            for (Runnable step : undo.reversed()) {
                try {
                    step.run();
                } catch (NativeCallException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
    }

    private long epochAt(long now) {
        return Math.max(0, (now - start) / INTERVAL_NANOS);
    }

    /**
     * Brings the SAs to the epoch of {@code now}: inbound first, so that ours are in place even when the outbound
     * step fails. Returns whether the outbound SA moved to a new epoch.
     */
    boolean advance(EspSas sas, long now) {
        retryStale(sas);
        if (!rollover) return false;
        long epoch = epochAt(now);
        // derive forward from the newest inbound key, installing only what falls in [epoch - 1, epoch + 1]
        Installed newest = receiving.getLast();
        EspKey key = newest.key();
        for (long next = newest.epoch() + 1; next <= epoch + 1; next++) {
            key = key.next();
            if (next >= epoch - 1) addReceiving(sas, key, next);
        }
        while (receiving.size() > 1 && receiving.getFirst().epoch() < epoch - 1) {
            Installed old = receiving.removeFirst();
            delete(sas, local, old.key().spi());
        }
        if (sending.epoch() >= epoch) return false;
        EspKey next = sending.key();
        for (long e = sending.epoch(); e < epoch; e++) next = next.next();
        sas.add(local, remote, next);
        Installed old = sending;
        sending = new Installed(epoch, next);
        delete(sas, remote, old.key().spi());
        return true;
    }

    /**
     * Deletes every SA this pair has; what is already gone is fine. Returns the refusals of the rest, so one failure
     * does not leave the others.
     */
    List<String> remove(EspSas sas) {
        List<String> failures = new ArrayList<>();
        List<Stale> all = new ArrayList<>(stale);
        all.add(new Stale(remote, sending.key().spi()));
        for (Installed in : receiving) all.add(new Stale(local, in.key().spi()));
        stale.clear();
        for (Stale sa : all) {
            try {
                sas.delete(sa.destination(), sa.spi());
            } catch (NativeCallException e) {
                if (!gone(e)) failures.add(e.getMessage());
            }
        }
        return failures;
    }

    long sendingEpoch() {
        return sending.epoch();
    }

    int sendingSpi() {
        return sending.key().spi();
    }

    /** The inbound SAs' SPIs, oldest epoch first. */
    List<Integer> receivingSpis() {
        return receiving.stream().map(in -> in.key().spi()).toList();
    }

    private void addReceiving(EspSas sas, EspKey key, long epoch) {
        sas.add(remote, local, key);
        receiving.addLast(new Installed(epoch, key));
    }

    /** Deletes an SA that is no longer used; when the kernel refuses, it is retried at the next advance. */
    private void delete(EspSas sas, Inet4Address destination, int spi) {
        try {
            sas.delete(destination, spi);
        } catch (NativeCallException e) {
            if (!gone(e)) stale.add(new Stale(destination, spi));
        }
    }

    private void retryStale(EspSas sas) {
        List<Stale> retry = List.copyOf(stale);
        stale.clear();
        for (Stale sa : retry) delete(sas, sa.destination(), sa.spi());
    }

    /** Whether the kernel refused because the SA or policy is not there: what removing it wanted anyway. */
    static boolean gone(NativeCallException e) {
        return e.errno() == Errno.ENOENT || e.errno() == Errno.ESRCH;
    }
}
