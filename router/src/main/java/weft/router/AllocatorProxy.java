package weft.router;

import weft.gossip.wire.Decoding;
import weft.gossip.Mesh;
import weft.gossip.PeerName;
import weft.ipam.AllocationResult;
import weft.ipam.Allocator;
import weft.ipam.AllocatorConfig;
import weft.ipam.Displacement;
import weft.ipam.IpamStatus;
import weft.ipam.JournaledSnapshot;
import weft.ipam.Snapshot;
import weft.ipam.SnapshotFile;
import weft.ipam.SnapshotWriter;
import weft.ipam.TakeoverResult;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The router's way to the IP allocator. The allocator is the mesh's {@code ipam} channel and so belongs to the
 * mesh loop: every call here hops onto the loop and waits for its answer. A ticker gives the allocator its turn
 * once a second. Thread-safe, except {@link #reachable}, which the mesh listener calls on the loop.
 */
final class AllocatorProxy implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AllocatorProxy.class.getName());
    /** Longer than the allocator's own request timeout, so its reason, not ours, reaches the user. */
    private static final Duration WAIT = Duration.ofSeconds(40);
    /** The allocator's state as last written whole (the format the previous release reads too). */
    static final String SNAPSHOT_FILE = "ipam.snapshot";
    /** What each save changed since, appended. */
    static final String JOURNAL_FILE = "ipam.journal";

    private final Mesh mesh;
    private final Allocator allocator;
    private final ScheduledExecutorService ticker;
    private final SnapshotWriter writer;
    private final Set<PeerName> reachable = new HashSet<>(); // mesh loop only

    private AllocatorProxy(Mesh mesh, Allocator allocator, ScheduledExecutorService ticker, SnapshotWriter writer) {
        this.mesh = mesh;
        this.allocator = allocator;
        this.ticker = ticker;
        this.writer = writer;
    }

    /**
     * Restores the allocator from its snapshot and journal ({@value #SNAPSHOT_FILE}, {@value #JOURNAL_FILE}) in
     * {@code dataDirectory}, if any, and registers it on the mesh. An unreadable snapshot or journal stops the start:
     * starting without it could hand out addresses it recorded a second time.
     */
    static AllocatorProxy start(Mesh mesh, PeerName self, AllocatorConfig config, Path dataDirectory, RandomGenerator random) throws IOException {
        JournaledSnapshot file = new JournaledSnapshot(dataDirectory.resolve(SNAPSHOT_FILE),
                dataDirectory.resolve(JOURNAL_FILE), SnapshotFile.SYSTEM);
        Optional<Snapshot> restored = switch (file.load()) {
            case Decoding.Decoded<Optional<Snapshot>>(Optional<Snapshot> snapshot) -> snapshot;
            case Decoding.Refused<Optional<Snapshot>>(String reason) -> throw new IOException("the IP allocation state is unusable: "
                    + reason + "; move " + SNAPSHOT_FILE + " and " + JOURNAL_FILE + " aside to start without them (the "
                    + "addresses they recorded may then be handed out again)");
        };
        restored.ifPresent(s -> LOG.log(System.Logger.Level.INFO, "IP allocation restored from " + dataDirectory + ": "
                + s.allocations().size() + " addresses allocated here"));
        // the fsyncs run on the writer's thread; their outcomes come back to the allocator on the mesh loop
        SnapshotWriter writer = new SnapshotWriter(file, mesh::completeOnLoop);
        Allocator allocator;
        try {
            allocator = mesh.onLoop(() -> new Allocator(self, config, restored, InstantSource.system(), random, writer,
                    gossiper -> mesh.registerChannel(Allocator.CHANNEL, gossiper))).join();
        } catch (RuntimeException e) {
            try {
                writer.close(); // nobody else has it to close
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                e.addSuppressed(interrupted);
            }
            throw e;
        }
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("ipam-tick").daemon().factory());
        AllocatorProxy proxy = new AllocatorProxy(mesh, allocator, ticker, writer);
        ticker.scheduleAtFixedRate(() -> mesh.onLoop(() -> {
            allocator.tick();
            return null;
        }), 1, 1, TimeUnit.SECONDS);
        return proxy;
    }

    AllocationResult allocate(String owner, Optional<weft.ipam.AddressRange> subnet) {
        return awaitAllocation(owner, call(() -> subnet.map(s -> allocator.allocate(owner, s)).orElseGet(() -> allocator.allocate(owner))));
    }

    /** An address {@code owner} does not hold yet, in {@code subnet} or the default subnet. */
    AllocationResult allocateNew(String owner, Optional<weft.ipam.AddressRange> subnet) {
        return awaitAllocation(owner, call(() -> subnet.map(s -> allocator.allocateNew(owner, s)).orElseGet(() -> allocator.allocateNew(owner))));
    }

    AllocationResult claim(String owner, long address) {
        return awaitAllocation(owner, call(() -> allocator.claim(owner, address)));
    }

    /**
     * Waits for {@code request} up to {@link #WAIT}, and drops it once the API caller that asked is gone ({@link
     * ApiCaller}): a request that waits for a quorum would otherwise wait its full time, and an address it then got
     * would be held for nobody.
     */
    private AllocationResult awaitAllocation(String owner, CompletableFuture<AllocationResult> request) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return request.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException stillWaiting) {
                Optional<Long> gone = ApiCaller.gone();
                if (gone.isPresent()) {
                    String why = "the request for " + owner + " was dropped: its client (pid " + gone.get() + ") went away";
                    call(() -> allocator.abandon(request, why));
                    throw new IllegalStateException(why);
                }
                if (System.nanoTime() - deadline > 0) throw new IllegalStateException("the IP allocator did not answer within " + WAIT.toSeconds() + " s");
            } catch (ExecutionException e) {
                throw new IllegalStateException("the IP allocator failed: " + e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the IP allocator", e);
            }
        }
    }

    List<Long> release(String owner) {
        return call(() -> allocator.release(owner));
    }

    Optional<String> releaseAddress(long address) {
        return call(() -> allocator.releaseAddress(address));
    }

    List<Long> addressesOf(String owner) {
        return call(() -> allocator.addressesOf(owner));
    }

    /** The owner ids that hold addresses here. */
    Set<String> owners() {
        return call(() -> Set.copyOf(allocator.snapshot().allocations().values()));
    }

    /**
     * In one turn of the loop: whether the ring is there, every address held here and its holder, and the
     * displaced addresses by address ({@link Allocator#displacements()}).
     */
    AddressBook addressBook() {
        return call(() -> {
            Map<Long, Displacement> displaced = new HashMap<>();
            allocator.displacements().forEach(d -> displaced.put(d.address(), d));
            return new AddressBook(allocator.ring().isInitialised(), allocator.snapshot().allocations(), displaced);
        });
    }

    /** What {@link #addressBook()} read. */
    record AddressBook(boolean ready, Map<Long, String> held, Map<Long, Displacement> displaced) {}

    IpamStatus status() {
        return call(allocator::status);
    }

    /** The ring as it stands; immutable, so it can be read off the loop. */
    weft.ipam.Ring ring() {
        return call(allocator::ring);
    }

    TakeoverResult takeover(PeerName dead, boolean force) {
        return call(() -> allocator.adminTakeover(dead, force));
    }

    /** Resolves a conflict of independently started rings by adopting the winner; empty when there is none. */
    Optional<List<Long>> adoptWinningRing() {
        return call(allocator::adoptWinningRing);
    }

    /** How long {@link #leave()} waits for a peer to show that it holds our ranges. */
    private static final Duration LEAVE_CONFIRMATION = Duration.ofSeconds(5);

    /**
     * {@link Allocator#leave()}, then waits up to {@link #LEAVE_CONFIRMATION} for a peer to show that it knows, so
     * that a router stopped right after does not take the news with it.
     */
    String leave() {
        String result = call(allocator::leave);
        if (!call(() -> allocator.ring().isInitialised() && allocator.ring().rangesOwnedBy(allocator.self()).isEmpty()
                && !allocator.ring().entries().isEmpty())) {
            return result; // nothing was given away: nobody can confirm
        }
        long deadline = System.nanoTime() + LEAVE_CONFIRMATION.toNanos();
        while (!call(allocator::leaveConfirmed)) {
            if (System.nanoTime() - deadline > 0) {
                return result + "; no peer confirmed it within " + LEAVE_CONFIRMATION.toSeconds() + " s (if none heard of it, 'weft rmpeer "
                        + allocator.self() + "' on a peer takes the ranges over)";
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        return result + "; confirmed";
    }

    void prime() {
        call(() -> {
            allocator.prime();
            return null;
        });
    }

    /** Mesh loop only: tells the allocator which peers it can reach now. */
    void reachable(Set<PeerName> now) {
        for (PeerName peer : now) {
            if (reachable.add(peer)) allocator.peerAlive(peer);
        }
        for (PeerName peer : Set.copyOf(reachable)) {
            if (!now.contains(peer)) {
                reachable.remove(peer);
                allocator.peerGone(peer);
            }
        }
    }

    private <T> T call(Supplier<T> work) {
        return await(mesh.onLoop(work));
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the IP allocator did not answer within " + WAIT.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw new IllegalStateException("the IP allocator failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the IP allocator", e);
        }
    }

    /** Stops the ticker, then lets a save being written finish and folds the journal into the snapshot file. */
    @Override
    public void close() throws InterruptedException {
        ticker.shutdownNow();
        writer.close();
    }
}
