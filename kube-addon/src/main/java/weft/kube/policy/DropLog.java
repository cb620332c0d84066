package weft.kube.policy;

import weft.kernel.Errno;
import weft.kernel.NativeCallException;
import weft.kernel.NflogSocket;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

/**
 * Explains the new connections the policy table drops: reads NFLOG group {@value NftRuleset#LOG_GROUP} (the
 * table's log statements, which the kernel already limits to 10 a second per chain), says for each who
 * tried to reach whom and which policies refused it ({@link DroppedConnection}), logs it (at most
 * {@value #LINES_PER_SECOND} lines a second, then one line for what was left out) and keeps the last
 * {@value #KEPT} for {@code weft status policy}.
 *
 * <p>Thread rule: its own thread {@code weft-policy-drops} owns the socket and the rate limit; {@link #recent} is
 * read by any thread under the deque's lock.
 */
final class DropLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DropLog.class.getName());
    static final int LINES_PER_SECOND = 20, KEPT = 20;
    /** Enough for an IPv4 header with options and the transport's ports. */
    private static final int COPY_BYTES = 64;
    private static final int POLL_MILLIS = 500;

    private final NflogSocket socket;
    private final Supplier<PolicyCluster> cluster;
    private final Deque<String> recent = new ArrayDeque<>();
    private final Thread thread;
    private volatile boolean closed;
    private long second; // weft-policy-drops
    private int lines, unlogged, unreadable, overruns;

    private DropLog(NflogSocket socket, Supplier<PolicyCluster> cluster) {
        this.socket = socket;
        this.cluster = cluster;
        this.thread = Thread.ofPlatform().name("weft-policy-drops").daemon().unstarted(this::run);
    }

    /**
     * Binds the group in the calling thread's network namespace and starts reading.
     *
     * @throws RuntimeException when the group cannot be bound (another process holds it): drops are then counted, not explained
     */
    static DropLog start(Supplier<PolicyCluster> cluster) {
        DropLog log = new DropLog(NflogSocket.bind(NftRuleset.LOG_GROUP, COPY_BYTES), cluster);
        log.thread.start();
        return log;
    }

    private void run() {
        try {
            while (!closed) {
                try {
                    socket.receive(POLL_MILLIS, packet -> DroppedConnection.read(packet.prefix(), packet.payload())
                            .ifPresentOrElse(dropped -> said(dropped.explain(cluster.get())), () -> unreadable++));
                } catch (NativeCallException e) {
                    // ENOBUFS: the kernel logged faster than this thread read, and dropped what did not fit; go on
                    if (e.errno() != Errno.ENOBUFS) throw e;
                    overruns++;
                }
                tick();
            }
        } catch (RuntimeException e) {
            if (!closed) LOG.log(System.Logger.Level.WARNING, "reading NetworkPolicy drops failed, they are counted but no longer explained: " + e.getMessage());
        }
    }

    private void said(String line) {
        synchronized (recent) {
            if (recent.size() == KEPT) recent.removeFirst();
            recent.addLast(line);
        }
        tick();
        if (lines++ < LINES_PER_SECOND) {
            LOG.log(System.Logger.Level.INFO, "NetworkPolicy dropped " + line);
        } else {
            unlogged++;
        }
    }

    /** A new second: say what the last one left out. */
    private void tick() {
        long now = System.nanoTime() / 1_000_000_000L;
        if (now == second) return;
        if (unlogged > 0 || unreadable > 0 || overruns > 0) {
            LOG.log(System.Logger.Level.INFO, "NetworkPolicy dropped " + unlogged + " more new connections than were logged"
                    + (unreadable > 0 ? ", and " + unreadable + " logged packets could not be read" : "")
                    + (overruns > 0 ? ", and the kernel lost some of its logs " + overruns + " times (it logged faster than they were read)" : ""));
        }
        second = now;
        lines = unlogged = unreadable = overruns = 0;
    }

    /** The last drops explained, oldest first. */
    List<String> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(POLL_MILLIS * 4L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.close();
    }
}
