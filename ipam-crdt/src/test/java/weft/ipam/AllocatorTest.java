package weft.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import weft.crypto.ManualClock;
import weft.gossip.PeerName;
import weft.gossip.channel.Gossip;
import weft.gossip.channel.GossipData;

class AllocatorTest {
    static final AddressRange UNIVERSE = AddressRange.parse("10.32.0.0/24");
    static final PeerName A = new PeerName(0xa);
    static final PeerName B = new PeerName(0xb);
    static final PeerName C = new PeerName(0xc);

    final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    final TreeMap<PeerName, Allocator> peers = new TreeMap<>();
    final ArrayDeque<Runnable> wire = new ArrayDeque<>();
    final TreeMap<PeerName, Snapshot> disks = new TreeMap<>();
    boolean refuseUnicasts;

    Allocator start(PeerName name, InitMode init) {
        AllocatorConfig config = new AllocatorConfig(UNIVERSE, UNIVERSE, init, Duration.ofSeconds(10));
        Allocator a = new Allocator(name, config, Optional.ofNullable(disks.get(name)), clock, new SplittableRandom(name.value()),
                s -> {
                    disks.put(name, s);
                    return Optional.empty();
                }, g -> new Gossip() {
                    @Override
                    public void unicast(PeerName to, byte[] payload) {
                        if (refuseUnicasts) { // as the mesh does when the next hop's queue is full
                            peers.get(name).onUnicastRefused(to, payload, "the queue to next hop " + to + " is full");
                            return;
                        }
                        wire.add(() -> peers.get(to).onUnicast(name, payload));
                    }

                    @Override
                    public void broadcast(GossipData data) {
                        byte[] payload = data.encode();
                        for (PeerName to : List.copyOf(peers.keySet())) {
                            if (!to.equals(name)) {
                                wire.add(() -> peers.get(to).onBroadcast(name, payload));
                            }
                        }
                    }

                    @Override
                    public void gossip(GossipData data) {
                        broadcast(data);
                    }
                });
        peers.values().forEach(p -> {
            p.peerAlive(name);
            a.peerAlive(p.self());
        });
        peers.put(name, a);
        return a;
    }

    void quiesce() {
        for (int guard = 0; !wire.isEmpty(); guard++) {
            assertTrue(guard < 100_000, "messages never stopped");
            wire.poll().run();
        }
    }

    void round() {
        clock.advance(Duration.ofSeconds(1));
        peers.values().forEach(Allocator::tick);
        for (Allocator from : peers.values()) { // periodic gossip of the complete state
            byte[] state = from.completeState().encode();
            peers.values().stream().filter(to -> to != from).forEach(to -> wire.add(() -> to.onGossip(state)));
        }
        quiesce();
    }

    static long address(CompletableFuture<AllocationResult> f) {
        return assertInstanceOf(AllocationResult.Allocated.class, f.join()).address();
    }

    @Test
    void shouldGiveTheSameOwnerTheSameAddressAndReleaseIt() {
        Allocator a = start(A, new InitMode.Seed(List.of(A)));
        long first = address(a.allocate("c1"));
        assertEquals(AddressRange.parseAddress("10.32.0.1"), first); // the network address is never handed out
        assertEquals(first, address(a.allocate("c1")));
        long second = address(a.allocate("c2"));
        assertEquals(Optional.of("c1"), a.lookup(first));
        assertEquals(List.of(first), a.release("c1"));
        assertEquals(Optional.of("c2"), a.releaseAddress(second));
        assertEquals(0, a.status().allocations());
    }

    @Test
    void anOwnerThatAsksForANewAddressGetsAnotherEachTimeAndGivesThemBackOneByOne() {
        Allocator a = start(A, new InitMode.Seed(List.of(A)));
        AddressRange subnet = UNIVERSE;
        long first = address(a.allocateNew("docker-ipam:10.32.0.0/24", subnet));
        long second = address(a.allocateNew("docker-ipam:10.32.0.0/24", subnet));
        assertNotEquals(first, second);
        assertEquals(first, address(a.allocate("docker-ipam:10.32.0.0/24", subnet)), "a plain allocation gives one it holds");
        assertEquals(Optional.of("docker-ipam:10.32.0.0/24"), a.releaseAddress(first));
        assertEquals(Optional.of("docker-ipam:10.32.0.0/24"), a.lookup(second));
        assertInstanceOf(AllocationResult.Failed.class, a.allocateNew("o", AddressRange.parse("10.64.0.0/16")).join());
    }

    @Test
    void shouldClaimFreeAddressesAndRefuseHeldOnesAndThoseOfAnUnreachableOwner() {
        Allocator a = start(A, new InitMode.Seed(List.of(A, B))); // B never runs
        long mine = AddressRange.parseAddress("10.32.0.7");
        assertEquals(mine, address(a.claim("c1", mine)));
        assertEquals(mine, address(a.claim("c1", mine)));
        assertEquals(new AllocationResult.Failed("10.32.0.7 is held by c1"), a.claim("c2", mine).join());
        AllocationResult foreign = a.claim("c3", AddressRange.parseAddress("10.32.0.200")).join();
        String reason = ((AllocationResult.Failed) foreign).reason();
        assertTrue(reason.startsWith("10.32.0.200 lies in a range owned by peer " + B + ", which is unreachable") && reason.contains("weft rmpeer " + B), reason);
    }

    @Test
    void aClaimInAnotherPeersRangeIsHandedOverThroughTheRing() {
        Allocator a = start(A, new InitMode.Seed(List.of(A, B)));
        Allocator b = start(B, new InitMode.Seed(List.of(A, B)));
        quiesce();
        long wanted = AddressRange.parseAddress("10.32.0.200");
        assertEquals(B, a.ring().ownerOf(wanted));
        CompletableFuture<AllocationResult> claim = a.claim("c1", wanted);
        assertFalse(claim.isDone(), "B has not answered yet");
        assertTrue(a.status().pending().getFirst().reason().startsWith("asked peer " + B), a.status().pending().toString());
        quiesce();
        assertEquals(wanted, address(claim));
        assertEquals(Optional.of("c1"), a.lookup(wanted));
        assertEquals(A, b.ring().ownerOf(wanted), "B's ring says A owns it now");
        AddressRange given = a.ring().rangesOwnedBy(A).stream().filter(r -> r.contains(wanted)).findFirst().orElseThrow();
        assertTrue(given.size() <= SpaceDonation.MAX_HANDOVER, "a small block moved, not half of B's space: " + given);
        for (int i = 0; i < 127 - given.size(); i++) { // B fills what it has left and never hands out the claimed one
            assertNotEquals(wanted, address(b.allocate("b" + i)));
        }
        CompletableFuture<AllocationResult> theft = b.claim("b-thief", wanted);
        quiesce(); // B asks A, which holds it for c1
        String reason = assertInstanceOf(AllocationResult.Failed.class, theft.join()).reason();
        assertTrue(reason.startsWith("10.32.0.200 is in use at peer " + A), reason);
        assertEquals(List.of(), a.ring().violations());
    }

    @Test
    void twoPeersClaimingOneAddressAtOnceEndWithOneSuccessAndOneClearRefusal() {
        Allocator a = start(A, new InitMode.Seed(List.of(A, B, C)));
        Allocator b = start(B, new InitMode.Seed(List.of(A, B, C)));
        Allocator c = start(C, new InitMode.Seed(List.of(A, B, C)));
        quiesce();
        long wanted = c.ring().rangesOwnedBy(C).getFirst().start() + 5;
        CompletableFuture<AllocationResult> fromA = a.claim("ca", wanted);
        CompletableFuture<AllocationResult> fromB = b.claim("cb", wanted);
        for (int i = 0; i < 3; i++) round();
        List<AllocationResult> results = List.of(fromA.join(), fromB.join());
        assertEquals(1, results.stream().filter(r -> r instanceof AllocationResult.Allocated).count(), results.toString());
        String reason = results.stream().filter(r -> r instanceof AllocationResult.Failed).map(r -> ((AllocationResult.Failed) r).reason())
                .findFirst().orElseThrow();
        assertTrue(reason.startsWith(AddressRange.format(wanted) + " is in use at peer "), reason);
        Allocator winner = results.getFirst() instanceof AllocationResult.Allocated ? a : b;
        for (Allocator peer : List.of(a, b, c)) {
            assertEquals(winner.self(), peer.ring().ownerOf(wanted));
            assertEquals(List.of(), peer.ring().violations());
        }
    }

    @Test
    void aClaimOfAnOwnerThatNeverAnswersFailsAfterAFewAsksAndAnUnsentAskSaysSo() {
        Allocator a = start(A, new InitMode.Seed(List.of(A, B)));
        start(B, new InitMode.Seed(List.of(A, B)));
        quiesce();
        long wanted = AddressRange.parseAddress("10.32.0.200");
        refuseUnicasts = true;
        CompletableFuture<AllocationResult> unsent = a.claim("c1", wanted);
        assertTrue(a.status().pending().getFirst().reason().contains("was not sent (the queue to next hop " + B + " is full)"),
                a.status().pending().toString());
        refuseUnicasts = false;
        round(); // asked again, and now heard
        assertEquals(wanted, address(unsent));
        // an owner whose answers never come (a release that drops the request) is taken for a refusal
        CompletableFuture<AllocationResult> silent = a.claim("c2", AddressRange.parseAddress("10.32.0.140"));
        for (int i = 0; i <= PendingRequests.MAX_HANDOVER_ASKS && !silent.isDone(); i++) {
            wire.clear();
            clock.advance(Duration.ofSeconds(1));
            a.tick();
        }
        String reason = assertInstanceOf(AllocationResult.Failed.class, silent.join()).reason();
        assertTrue(reason.contains("did not answer " + PendingRequests.MAX_HANDOVER_ASKS + " requests"), reason);
    }

    @Test
    void shouldGetSpaceFromAnotherPeerWhenItsOwnRunsOut() {
        Allocator a = start(A, new InitMode.Seed(List.of(A, B)));
        Allocator b = start(B, new InitMode.Seed(List.of(A, B)));
        quiesce();
        for (int i = 0; i < 127; i++) { // A's half holds 127 hosts: .1 to .127
            address(a.allocate("a" + i));
        }
        CompletableFuture<AllocationResult> more = a.allocate("one-more");
        assertFalse(more.isDone());
        assertTrue(a.status().pending().getFirst().reason().startsWith("asked peer " + B), a.status().toString());
        quiesce(); // the request, B's grant, the ring update
        assertTrue(AddressRange.parse("10.32.0.128/25").contains(address(more)));
        assertEquals(List.of(), b.ring().violations());
        assertEquals(b.ring().rangesOwnedBy(A), a.ring().rangesOwnedBy(A));
        assertEquals(b.ring().rangesOwnedBy(B), a.ring().rangesOwnedBy(B));
    }

    @Test
    void shouldSayWhenItsRequestForSpaceWasNotSentAndAskAgainNextTick() {
        Allocator a = start(A, new InitMode.Seed(List.of(A, B)));
        start(B, new InitMode.Seed(List.of(A, B)));
        quiesce();
        for (int i = 0; i < 127; i++) {
            address(a.allocate("a" + i));
        }
        refuseUnicasts = true;
        CompletableFuture<AllocationResult> more = a.allocate("one-more");
        assertEquals("our request to peer " + B + " for space in 10.32.0.0/24 was not sent (the queue to next hop " + B
                + " is full); asking again next tick", a.status().pending().getFirst().reason());
        refuseUnicasts = false;
        round();
        assertTrue(AddressRange.parse("10.32.0.128/25").contains(address(more)));
    }

    @Test
    void shouldFailAfterTheTimeoutSayingWhyWhenNoSpaceIsReachable() {
        Allocator a = start(A, new InitMode.Seed(List.of(A, B)));
        for (int i = 0; i < 127; i++) {
            address(a.allocate("a" + i));
        }
        CompletableFuture<AllocationResult> more = a.allocate("one-more");
        IpamStatus status = a.status();
        assertEquals("all free space in 10.32.0.0/24 is owned by unreachable peers [" + B
                + "]; if they are dead, take their space over (rmpeer)", status.waitingFor());
        for (int s = 0; s < 9; s++) {
            round();
        }
        assertFalse(more.isDone());
        round();
        assertTrue(((AllocationResult.Failed) more.join()).reason().startsWith("gave up after 10s: all free space"));
    }

    @Test
    void shouldTakeOverOnlyUnreachablePeersAndOnlyOnce() {
        Allocator a = start(A, new InitMode.Seed(List.of(A, B)));
        start(B, new InitMode.Seed(List.of(A, B)));
        quiesce();
        assertInstanceOf(TakeoverResult.Refused.class, a.adminTakeover(B, false));
        assertInstanceOf(TakeoverResult.Refused.class, a.adminTakeover(A, true));
        a.peerGone(B);
        var took = assertInstanceOf(TakeoverResult.TookOver.class, a.adminTakeover(B, false));
        assertEquals(List.of(AddressRange.parse("10.32.0.128/25")), took.ranges());
        assertEquals(new TakeoverResult.TookOver(B, List.of(), 0), a.adminTakeover(B, false));
        assertEquals(List.of(UNIVERSE), a.status().ownedRanges());
    }

    @Test
    void peersThatOnlyExchangedTheirInitialVotesAreIdleNotAwaitingConsensus() {
        Allocator a = start(A, new InitMode.Consensus(2));
        Allocator b = start(B, new InitMode.Consensus(2));
        for (int r = 0; r < 5; r++) {
            round();
        }
        for (Allocator peer : List.of(a, b)) {
            assertEquals(IpamStatus.Phase.IDLE, peer.status().phase());
            assertEquals("idle: consensus starts on the first allocation (quorum 2 of 2 initial peers; heard from 2)", peer.status().waitingFor());
        }
        CompletableFuture<AllocationResult> first = b.allocate("c1");
        for (int r = 0; r < 10 && !first.isDone(); r++) {
            round();
        }
        address(first);
        assertEquals(IpamStatus.Phase.READY, a.status().phase());
    }

    @Test
    void shouldReachConsensusLazilyAndSayWhatItWaitsFor() {
        Allocator a = start(A, new InitMode.Consensus(3));
        assertEquals(IpamStatus.Phase.IDLE, a.status().phase());
        CompletableFuture<AllocationResult> first = a.allocate("c1");
        round();
        assertEquals(IpamStatus.Phase.AWAITING_CONSENSUS, a.status().phase());
        assertEquals("awaiting consensus: quorum 2 of 3 initial peers; heard from 1 [" + A + "]; need 1 more",
                a.status().waitingFor());
        start(B, new InitMode.Consensus(3));
        Allocator observer = start(C, new InitMode.Observer());
        for (int r = 0; r < 10 && !first.isDone(); r++) {
            round();
        }
        address(first);
        assertEquals(IpamStatus.Phase.READY, a.status().phase());
        assertEquals(a.ring(), observer.ring());
        assertEquals(List.of(A, B), a.ring().identity().seeds());
        assertTrue(observer.allocate("o1").isDone() || observer.status().pending().size() == 1);
    }

    @Test
    void shouldSwitchToTheWinningIndependentRingOnlyWhenHoldingNothing() {
        Allocator a = start(A, new InitMode.Seed(List.of(A)));
        Allocator b = start(B, new InitMode.Seed(List.of(B)));
        address(b.allocate("held-by-b"));
        wire.clear();
        round();
        // A's ring (seeds [A]) is lower: B holds an address, so it keeps its ring and says so
        assertEquals(IpamStatus.Phase.RING_CONFLICT, b.status().phase());
        assertTrue(b.status().waitingFor().contains("weft adopt-ring"), b.status().waitingFor());
        assertEquals(RingConflict.Kind.INDEPENDENT_RINGS, b.status().conflicts().getFirst().kind());
        assertEquals(IpamStatus.Phase.READY, a.status().phase());
        assertEquals(Optional.of(List.of(AddressRange.parseAddress("10.32.0.1"))), b.adoptWinningRing());
        assertEquals(a.ring().identity(), b.ring().identity());
        Allocator c = start(C, new InitMode.Seed(List.of(C)));
        round();
        assertEquals(a.ring().identity(), c.ring().identity()); // held nothing: switched by itself
    }

    @Test
    void shouldHoldResultsAndMessagesWhileTheDiskFails() {
        List<Boolean> diskWorks = new ArrayList<>(List.of(false));
        AllocatorConfig config = new AllocatorConfig(UNIVERSE, UNIVERSE, new InitMode.Seed(List.of(A)), Duration.ofSeconds(10));
        Allocator a = new Allocator(A, config, Optional.empty(), clock, new SplittableRandom(1),
                s -> diskWorks.getFirst() ? Optional.empty() : Optional.of("disk full"), g -> new Gossip() {
                    @Override
                    public void unicast(PeerName to, byte[] payload) {}

                    @Override
                    public void broadcast(GossipData data) {}

                    @Override
                    public void gossip(GossipData data) {}
                });
        CompletableFuture<AllocationResult> f = a.allocate("c1");
        assertFalse(f.isDone());
        assertEquals(Optional.of("disk full"), a.status().persistenceFailure());
        assertTrue(a.status().waitingFor().contains("disk full"));
        diskWorks.set(0, true);
        a.tick();
        address(f);
    }

    @Test
    void shouldRestartFromItsSnapshotWithEveryAddressItHandedOut() {
        Allocator a = start(A, new InitMode.Seed(List.of(A)));
        long c1 = address(a.allocate("c1"));
        peers.clear();
        Allocator again = start(A, new InitMode.Seed(List.of(A)));
        assertEquals(Optional.of("c1"), again.lookup(c1));
        assertEquals(c1, address(again.allocate("c1")));
    }

    /** B handed out two addresses, stopped, was taken over by A, which handed one of them out; then B comes back. */
    private Allocator rejoinAfterTakeover(long[] bAddresses) {
        start(A, new InitMode.Seed(List.of(A, B)));
        Allocator b = start(B, new InitMode.Seed(List.of(A, B)));
        quiesce();
        bAddresses[0] = address(b.allocate("kept"));
        bAddresses[1] = address(b.allocate("lost"));
        quiesce();
        peers.remove(B); // stopped, its containers still running with their addresses
        Allocator a = peers.get(A);
        a.peerGone(B);
        assertInstanceOf(TakeoverResult.TookOver.class, a.adminTakeover(B, false));
        assertEquals(bAddresses[1], address(a.claim("thief", bAddresses[1])));
        quiesce();
        Allocator back = start(B, new InitMode.Seed(List.of(A, B))); // from its old snapshot
        back.onGossip(a.completeState().encode());
        return back;
    }

    @Test
    void aPeerBackAfterATakeoverAsksForItsAddressesAndKeepsOnlyThoseNobodyWasGiven() {
        long[] held = new long[2];
        Allocator back = rejoinAfterTakeover(held);
        assertEquals(Optional.empty(), back.lookup(held[0]), "not ours on our word alone");
        assertEquals(List.of(Displacement.Outcome.ASKING, Displacement.Outcome.ASKING),
                back.displacements().stream().map(Displacement::outcome).toList());
        round(); // asks A for both: A gives a block around the free one back and denies the other
        round();
        Allocator a = peers.get(A);
        assertEquals(Optional.of("kept"), back.lookup(held[0]));
        assertEquals(Optional.of("thief"), a.lookup(held[1]));
        assertEquals(Optional.empty(), back.lookup(held[1]));
        var outcomes = back.displacements().stream().collect(java.util.stream.Collectors.toMap(Displacement::address, Displacement::outcome));
        assertEquals(java.util.Map.of(held[0], Displacement.Outcome.KEPT, held[1], Displacement.Outcome.LOST), outcomes);
        CompletableFuture<AllocationResult> second = a.claim("second-thief", held[0]);
        quiesce();
        AllocationResult taken = second.join();
        assertTrue(((AllocationResult.Failed) taken).reason().contains("in use at peer " + B), "A gave it back, and B holds it: " + taken);
        assertEquals(List.of(), a.ring().violations());
        assertTrue(back.status().conflicts().stream().anyMatch(c -> c.detail().contains(" lost: ")), back.status().toString());
    }

    @Test
    void aPeerBackAfterATakeoverLosesWhatItsUnreachableOrSilentOwnerMayHaveHandedOut() {
        long[] held = new long[2];
        Allocator back = rejoinAfterTakeover(held);
        back.peerGone(A);
        for (int i = 0; i < DisplacedAddresses.MAX_UNREACHABLE_TICKS; i++) {
            assertTrue(back.displacements().stream().allMatch(d -> d.outcome() == Displacement.Outcome.ASKING), "gave up early");
            clock.advance(Duration.ofSeconds(1));
            back.tick();
        }
        assertTrue(back.displacements().stream().allMatch(d -> d.outcome() == Displacement.Outcome.LOST), back.displacements().toString());
        assertEquals(Optional.empty(), back.lookup(held[0]));
    }

    @Test
    void anOwnerThatDoesNotKnowAddressRequestsIsTakenForARefusalAfterAFewAsks() {
        long[] held = new long[2];
        Allocator back = rejoinAfterTakeover(held);
        // A stays reachable, but its answers never come: a previous release drops a message type it does not know
        for (int i = 0; i <= DisplacedAddresses.MAX_ASKS; i++) {
            clock.advance(Duration.ofSeconds(1));
            back.tick();
            wire.clear();
        }
        assertTrue(back.displacements().stream().allMatch(d -> d.outcome() == Displacement.Outcome.LOST), back.displacements().toString());
    }

    @Test
    void anOwnerGivesTheLargestFreeAlignedBlockAroundAnAddressAtMostHalfItsFreeSpace() {
        Space space = new Space(UNIVERSE);
        AddressRange owned = AddressRange.parse("10.32.0.128/25");
        space.take(AddressRange.parseAddress("10.32.0.130"), "x");
        assertEquals(AddressRange.parse("10.32.0.160/27"), SpaceDonation.blockAround(AddressRange.parseAddress("10.32.0.170"), owned, space));
        assertEquals(AddressRange.parse("10.32.0.131/32"), SpaceDonation.blockAround(AddressRange.parseAddress("10.32.0.131"), owned, space));
        assertEquals(AddressRange.parse("10.32.0.192/27"), SpaceDonation.blockAround(AddressRange.parseAddress("10.32.0.200"), owned, space));
    }

    @Test
    void aPeerThatLeavesGivesItsRangesToAReachablePeerAndLearnsThatItKnows() {
        Allocator a = start(A, new InitMode.Seed(List.of(A, B)));
        Allocator b = start(B, new InitMode.Seed(List.of(A, B)));
        quiesce();
        address(b.allocate("c1"));
        quiesce();
        String left = b.leave();
        assertTrue(left.startsWith("dropped 1 allocations; gave 128 addresses [10.32.0.128/25] to peer " + A), left);
        assertFalse(b.leaveConfirmed(), "nobody has answered yet");
        quiesce(); // the broadcast and the unicast to A, and A's state back
        assertTrue(b.leaveConfirmed());
        assertEquals(List.of(UNIVERSE), a.status().ownedRanges());
        assertEquals(List.of(), a.ring().violations());
    }

    @Test
    void aPeerAloneCannotLeaveItsRangesToAnybodyAndSaysWhoMustTakeThemOver() {
        start(A, new InitMode.Seed(List.of(A, B)));
        Allocator b = start(B, new InitMode.Seed(List.of(A, B)));
        quiesce();
        b.peerGone(A);
        String left = b.leave();
        assertTrue(left.contains("no peer is reachable to take our 128 addresses") && left.contains("'weft rmpeer " + B + "'"), left);
        assertFalse(b.leaveConfirmed());
    }

    @Test
    void aRequestWhoseCallerWentAwayIsDroppedAndGetsNoAddressLater() {
        Allocator a = start(A, new InitMode.Consensus(2)); // waits for a second voter that is not there
        CompletableFuture<AllocationResult> waiting = a.allocate("c1");
        assertFalse(waiting.isDone());
        assertEquals(1, a.status().pending().size());
        assertTrue(a.abandon(waiting, "its client went away"));
        assertEquals(new AllocationResult.Failed("its client went away"), waiting.join());
        assertEquals(List.of(), a.status().pending());
        assertFalse(a.abandon(waiting, "again"), "dropped once");
        start(B, new InitMode.Consensus(2));
        for (int i = 0; i < 5; i++) round();
        assertEquals(0, a.status().allocations(), "the dropped request got an address after all");
    }
}
