package weft.router;

import weft.gossip.Mesh;
import weft.gossip.PeerName;
import weft.router.view.LinkChannel;
import weft.router.view.LinkSampler;
import weft.router.view.LinkState;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Tells the mesh what this router's connections look like: every {@link #INTERVAL}, reads the connections and the
 * sleeve's counters ({@link RouterMetrics#readLinks}, which waits on the mesh loop and so cannot run there), turns them
 * into links ({@link LinkSampler}) and hands those to the {@link LinkChannel} on the mesh loop, which decides whether
 * they are worth a broadcast.
 *
 * <p>Thread rule: the sampler belongs to the reporter's own thread; the channel is reached only through
 * {@link Mesh#onLoop}.
 */
final class LinkReporter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LinkReporter.class.getName());
    static final Duration INTERVAL = Duration.ofSeconds(2);

    private final RouterMetrics metrics;
    private final Mesh mesh;
    private final LinkChannel channel;
    private final LinkSampler sampler = new LinkSampler();
    private final ScheduledExecutorService thread;
    private boolean failing; // the reporter's thread only: a failure is logged when it begins and when it ends

    private LinkReporter(RouterMetrics metrics, Mesh mesh, LinkChannel channel) {
        this.metrics = metrics;
        this.mesh = mesh;
        this.channel = channel;
        this.thread = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("link-reporter").daemon().factory());
    }

    /** Starts sampling at once, so that the mesh hears of this router's links within a moment of its start. */
    static LinkReporter start(RouterMetrics metrics, Mesh mesh, LinkChannel channel) {
        LinkReporter reporter = new LinkReporter(metrics, mesh, channel);
        reporter.thread.scheduleWithFixedDelay(reporter::sampleGuarded, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return reporter;
    }

    private void sampleGuarded() {
        try {
            sample();
            if (failing) LOG.log(System.Logger.Level.INFO, "reporting this router's links to the mesh works again");
            failing = false;
        } catch (RuntimeException e) {
            // the executor would end the schedule in silence; the next sample may well work (the mesh loop was busy)
            if (!failing) LOG.log(System.Logger.Level.WARNING, "reporting this router's links to the mesh failed, retrying every "
                    + INTERVAL.toSeconds() + " s: " + e);
            failing = true;
        }
    }

    private void sample() {
        RouterMetrics.LinkReadings readings = metrics.readLinks();
        List<LinkState> links = sampler.sample(System.nanoTime(), connections(readings.connections()), neighbours(readings.neighbours()));
        mesh.onLoop(() -> {
            channel.publish(links);
            return null;
        }).join();
    }

    /** The connections as the sampler takes them; those still handshaking have no peer yet, and are no link. */
    static List<LinkSampler.Connection> connections(List<RouterMetrics.ConnectionReading> readings) {
        return readings.stream().filter(RouterMetrics.ConnectionReading::established)
                .map(c -> new LinkSampler.Connection(PeerName.parse(c.peer()), true, c.fast(), c.encrypted())).toList();
    }

    static List<LinkSampler.Neighbour> neighbours(List<RouterMetrics.NeighbourReading> readings) {
        return readings.stream().map(n -> new LinkSampler.Neighbour(PeerName.parse(n.peer()), n.sentBytes(), n.receivedBytes(), n.pathMtu())).toList();
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
