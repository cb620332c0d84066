package weft.router.plumbing;

import weft.gossip.Cidr;

import weft.api.Attachment;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;
import weft.router.docker.DockerEngine;
import weft.kernel.AssignedAddress;
import weft.kernel.Link;
import weft.kernel.NativeCallException;
import weft.kernel.NetNamespace;
import weft.kernel.Rtnetlink;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGeneratorFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plumbing against the real kernel. Each test's "host" is a fresh anonymous network namespace holding the bridge,
 * and each "container" is a helper process alone in a network namespace of its own, addressed as {@code pid:N}:
 * nothing is left behind on the machine when the test ends, whatever it did.
 */
@EnabledIf("weft.kernel.KernelAccess#available")
class ContainerPlumbingKernelTest {
    private static final String BRIDGE = "weft";
    private static final int MTU = 1410;
    private static final Cidr RANGE = Cidr.parse("10.32.0.0/12");

    @TempDir
    Path directory;

    private final ObjectMapper json = new ObjectMapper();
    private final List<Process> containers = new ArrayList<>();

    @AfterEach
    void stopContainers() throws InterruptedException {
        for (Process container : containers) {
            container.destroyForcibly();
            container.waitFor();
        }
    }

    /**
     * Starts a stand-in container. {@code unshare} execs the shell in the same process, so once the shell has
     * printed, that pid is inside its new namespace; reading the line is the synchronisation.
     */
    private AttachTarget.Pid container() throws IOException {
        Process process = new ProcessBuilder("unshare", "--net", "sh", "-c", "echo ready; exec sleep 600")
                .redirectErrorStream(true).start();
        containers.add(process);
        String line = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertEquals("ready", line, "helper container did not start");
        return new AttachTarget.Pid(process.pid());
    }

    private Path storeFile() {
        return directory.resolve("attachments.json");
    }

    @FunctionalInterface
    private interface HostWork {
        void run(Rtnetlink host, ContainerPlumbing plumbing) throws Exception;
    }

    /** Runs {@code work} in a new host namespace with a bridge and plumbing over it; the namespace goes with the work. */
    private void onHost(HostWork work) throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Rtnetlink host = Rtnetlink.open()) {
                host.createBridge(BRIDGE);
                host.setUp(BRIDGE);
                work.run(host, plumbing());
            }
            return null;
        });
    }

    private ContainerPlumbing plumbing() {
        return new ContainerPlumbing(Rtnetlink::open, BRIDGE, MTU, RANGE, new AttachmentStore(storeFile(), json),
                new DockerEngine(Path.of("/nonexistent"), json), RandomGeneratorFactory.of("L64X128MixRandom").create(1));
    }

    /** What a container has of ours, read from inside its namespace. */
    private record Inside(Link ethwe, List<String> addresses, List<String> routes) {
    }

    private static Optional<Inside> inside(AttachTarget.Pid target) {
        try (NetNamespace namespace = NetNamespace.ofPid(target.pid())) {
            return namespace.call(() -> {
                try (Rtnetlink rtnl = Rtnetlink.open()) {
                    Optional<Link> ethwe = rtnl.link(ContainerPlumbing.CONTAINER_INTERFACE);
                    if (ethwe.isEmpty()) return Optional.empty();
                    List<String> addresses = rtnl.addresses(ContainerPlumbing.CONTAINER_INTERFACE).stream()
                            .filter(a -> a.address() instanceof Inet4Address).map(ContainerPlumbingKernelTest::cidrText).toList();
                    List<String> routes = rtnl.routes(ContainerPlumbing.CONTAINER_INTERFACE).stream()
                            .filter(r -> r.destination() instanceof Inet4Address && r.gateway() == null)
                            .map(r -> r.destination().getHostAddress() + "/" + r.prefixLength()).toList();
                    return Optional.of(new Inside(ethwe.get(), addresses, routes));
                }
            });
        }
    }

    private static String cidrText(AssignedAddress address) {
        return address.address().getHostAddress() + "/" + address.prefixLength();
    }

    private static List<String> linkNames(Rtnetlink host) {
        return host.links().stream().map(Link::name).sorted().toList();
    }

    private static List<String> bridgeAddresses(Rtnetlink host) {
        return host.addresses(BRIDGE).stream().filter(a -> a.address() instanceof Inet4Address).map(ContainerPlumbingKernelTest::cidrText).toList();
    }

    private static List<Cidr> cidrs(String... texts) {
        return List.of(texts).stream().map(Cidr::parse).toList();
    }

    @Test
    void attachGivesTheTargetEthweWithAddressMtuAndOverlayRouteOnABridgePort() throws Exception {
        AttachTarget.Pid target = container();
        onHost((host, plumbing) -> {
            Attachment attachment = plumbing.attach(target, cidrs("10.32.1.5/24"));

            assertEquals(target.key(), attachment.target());
            assertEquals("/proc/" + target.pid() + "/ns/net", attachment.namespacePath());
            assertEquals(List.of("10.32.1.5/24"), attachment.cidrs());
            Inside inside = inside(target).orElseThrow(() -> new AssertionError("no ethwe in the target"));
            assertEquals(List.of("10.32.1.5/24"), inside.addresses());
            assertEquals(MTU, inside.ethwe().mtu());
            assertTrue(inside.ethwe().up());
            assertEquals(attachment.mac(), inside.ethwe().mac().toString());
            assertTrue(inside.routes().contains("10.32.0.0/12"), "routes: " + inside.routes());

            Link hostEnd = host.link(attachment.hostInterface()).orElseThrow();
            assertEquals("veth", hostEnd.kind());
            assertEquals(host.index(BRIDGE), hostEnd.masterIndex());
            assertEquals(MTU, hostEnd.mtu());
            assertTrue(hostEnd.up());
            assertEquals(List.of(attachment), plumbing.attachments());
        });
    }

    @Test
    void secondAttachToTheSameTargetAddsAnAddressToTheSameInterface() throws Exception {
        AttachTarget.Pid target = container();
        onHost((host, plumbing) -> {
            Attachment first = plumbing.attach(target, cidrs("10.32.1.5/24"));
            List<String> linksAfterFirst = linkNames(host);

            Attachment second = plumbing.attach(target, cidrs("10.32.2.6/24"));

            assertEquals(first.hostInterface(), second.hostInterface());
            assertEquals(first.mac(), second.mac());
            assertEquals(List.of("10.32.1.5/24", "10.32.2.6/24"), second.cidrs());
            assertEquals(linksAfterFirst, linkNames(host), "no new interface on the host");
            List<String> addresses = inside(target).orElseThrow().addresses();
            assertTrue(addresses.containsAll(List.of("10.32.1.5/24", "10.32.2.6/24")) && addresses.size() == 2, "addresses: " + addresses);
        });
    }

    @Test
    void addressInUseByAnotherTargetIsRefusedAndCreatesNothing() throws Exception {
        AttachTarget.Pid holder = container(), other = container();
        onHost((host, plumbing) -> {
            plumbing.attach(holder, cidrs("10.32.1.5/24"));
            List<String> before = linkNames(host);

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> plumbing.attach(other, cidrs("10.32.1.5/12")));

            assertTrue(e.getMessage().contains("already in use by " + holder.key()), e.getMessage());
            assertEquals(before, linkNames(host));
            assertTrue(inside(other).isEmpty(), "the refused target got an interface");
            assertEquals(List.of(holder.key()), plumbing.attachments().stream().map(Attachment::target).toList());
        });
    }

    @Test
    void twoTargetsAttachedToOneAddressAtOnceGetItOnceAndTheOtherIsRefused() throws Exception {
        AttachTarget.Pid first = container(), second = container();
        onHost((host, plumbing) -> {
            // threads started here are in the host namespace too, where the plumbing opens its sockets
            CyclicBarrier together = new CyclicBarrier(2);
            List<Future<String>> outcomes = new ArrayList<>();
            try (ExecutorService callers = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory())) {
                for (AttachTarget.Pid target : List.of(first, second)) {
                    outcomes.add(callers.submit(() -> {
                        together.await(10, TimeUnit.SECONDS);
                        try {
                            plumbing.attach(target, cidrs("10.32.1.5/24"));
                            return "attached";
                        } catch (IllegalArgumentException refused) {
                            return refused.getMessage();
                        }
                    }));
                }
            }
            List<String> results = new ArrayList<>();
            for (Future<String> outcome : outcomes) results.add(outcome.get());
            assertEquals(1, results.stream().filter("attached"::equals).count(), "results: " + results);
            String winner = results.getFirst().equals("attached") ? first.key() : second.key();
            AttachTarget.Pid loser = results.getFirst().equals("attached") ? second : first;
            assertTrue(results.contains("address 10.32.1.5 is already in use by " + winner), "results: " + results);
            assertEquals(List.of(winner), plumbing.attachments().stream().map(Attachment::target).toList());
            assertTrue(inside(loser).isEmpty(), "the refused target got an interface");
        });
    }

    @Test
    void detachOfOneAddressKeepsTheInterfaceAndDetachOfAllRemovesBothEnds() throws Exception {
        AttachTarget.Pid target = container();
        onHost((host, plumbing) -> {
            Attachment attached = plumbing.attach(target, cidrs("10.32.1.5/24", "10.32.2.6/24"));

            Attachment partly = plumbing.detach(target, cidrs("10.32.1.5/24"));

            assertEquals(List.of("10.32.2.6/24"), partly.cidrs());
            assertEquals(List.of("10.32.2.6/24"), inside(target).orElseThrow().addresses());
            assertTrue(host.link(attached.hostInterface()).isPresent());

            Attachment gone = plumbing.detach(target, List.of());

            assertEquals(List.of(), gone.cidrs());
            assertTrue(inside(target).isEmpty(), "ethwe is still in the target");
            assertTrue(host.link(attached.hostInterface()).isEmpty(), "the host end is still on the bridge");
            assertEquals(List.of(), plumbing.attachments());
        });
    }

    @Test
    void detachOfAnAddressTheTargetDoesNotHaveIsRefusedAndChangesNothing() throws Exception {
        AttachTarget.Pid target = container();
        onHost((host, plumbing) -> {
            Attachment attached = plumbing.attach(target, cidrs("10.32.1.5/24"));

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> plumbing.detach(target, cidrs("10.32.9.9/24")));

            assertTrue(e.getMessage().contains("is not attached to " + target.key()), e.getMessage());
            assertEquals(List.of(attached), plumbing.attachments());
            assertEquals(List.of("10.32.1.5/24"), inside(target).orElseThrow().addresses());
        });
    }

    @Test
    void exposePutsAddressesOnTheBridgeAndHideRemovesThem() throws Exception {
        onHost((host, plumbing) -> {
            Attachment exposed = plumbing.expose(cidrs("10.32.0.254/12", "10.40.0.254/12"));

            assertEquals(Attachment.EXPOSE, exposed.target());
            assertEquals(BRIDGE, exposed.hostInterface());
            assertEquals(List.of("10.32.0.254/12", "10.40.0.254/12"), bridgeAddresses(host).stream().sorted().toList());

            plumbing.hide(cidrs("10.40.0.254/12"));
            assertEquals(List.of("10.32.0.254/12"), bridgeAddresses(host));

            plumbing.hide(List.of());
            assertEquals(List.of(), bridgeAddresses(host));
            assertEquals(List.of(), plumbing.attachments());
        });
    }

    @Test
    void aStoreReloadedFromItsFileKnowsTheAttachmentsAndCanUndoThem() throws Exception {
        AttachTarget.Pid target = container();
        onHost((host, plumbing) -> {
            Attachment attached = plumbing.attach(target, cidrs("10.32.1.5/24"));
            Attachment exposed = plumbing.expose(cidrs("10.32.0.254/12"));

            ContainerPlumbing restarted = plumbing();

            assertEquals(List.of(attached, exposed), restarted.attachments());
            restarted.detach(target, List.of());
            restarted.hide(List.of());
            assertTrue(host.link(attached.hostInterface()).isEmpty());
            assertEquals(List.of(), bridgeAddresses(host));
            assertEquals(List.of(), new AttachmentStore(storeFile(), json).all());
        });
    }

    @Test
    void attachToAMissingTargetFailsAndLeavesNothingBehind() throws Exception {
        onHost((host, plumbing) -> {
            List<String> before = linkNames(host);

            NativeCallException e = assertThrows(NativeCallException.class,
                    () -> plumbing.attach(AttachTarget.parse("pid:999999999"), cidrs("10.32.1.5/24")));

            assertTrue(e.getMessage().contains("not found"), e.getMessage());
            assertEquals(before, linkNames(host));
            assertEquals(List.of(), plumbing.attachments());
            assertEquals(List.of(), new AttachmentStore(storeFile(), json).all());
        });
    }

    @Test
    void attachToATargetThatAlreadyHasAnEthweRemovesTheNewVethAgain() throws Exception {
        AttachTarget.Pid target = container();
        try (NetNamespace namespace = NetNamespace.ofPid(target.pid())) {
            namespace.call(() -> {
                try (Rtnetlink rtnl = Rtnetlink.open()) {
                    rtnl.createBridge(ContainerPlumbing.CONTAINER_INTERFACE); // someone else's ethwe
                }
                return null;
            });
        }
        onHost((host, plumbing) -> {
            List<String> before = linkNames(host);

            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> plumbing.attach(target, cidrs("10.32.1.5/24")));

            assertTrue(e.getMessage().contains("did not make"), e.getMessage());
            assertEquals(before, linkNames(host));
            assertEquals("bridge", inside(target).orElseThrow().ethwe().kind(), "the other ethwe must be left alone");
            assertEquals(List.of(), plumbing.attachments());
        });
    }
}
