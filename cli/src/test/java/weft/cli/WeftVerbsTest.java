package weft.cli;

import weft.router.Router;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import weft.api.ApiCodec;
import weft.api.ApiLocation;
import weft.api.ApiToken;
import weft.api.Attachment;
import weft.api.ConnectResult;
import weft.api.RouterApi;
import weft.api.StatusReport;
import weft.router.http.ApiLocationFile;
import weft.router.http.ApiServer;
import weft.router.http.ApiTokenFile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the verbs print and return, through the typed client and the real API server, against a stand-in router
 * that answers as a router would.
 */
class WeftVerbsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Attachment C1 = new Attachment("netns:c1", "/run/netns/c1", "vethwl0", "02:00:00:00:00:01", List.of("10.32.0.5/12"));

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    private final StandIn router = new StandIn(status());
    private ApiServer server;
    private Weft weft;
    /** The data directory the verbs are given: empty unless a test puts something there. */
    @TempDir
    Path dataDir;

    private static StatusReport status() {
        try (InputStream in = WeftVerbsTest.class.getResourceAsStream("status.json")) {
            return new ApiCodec(JSON).readReply(in.readAllBytes(), StatusReport.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers like a router with one container attached; fields are volatile because requests run on other threads. */
    private static final class StandIn implements RouterApi {
        volatile StatusReport status;
        volatile String attached;

        StandIn(StatusReport status) {
            this.status = status;
        }

        @Override public StatusReport status() { return status; }

        @Override public List<ConnectResult> connect(List<String> peers) {
            return peers.stream().map(p -> p.startsWith("down") ? new ConnectResult(p, false, "connection refused")
                    : new ConnectResult(p, true, "connected to aa:bb:cc:dd:ee:02(host2)")).toList();
        }

        @Override public List<String> forget(List<String> peers) { return peers.stream().filter(p -> !p.startsWith("unknown")).toList(); }

        @Override public Attachment attach(String target, List<String> cidrs) {
            if (target.equals("netns:slow")) { // an allocator that waits for its quorum, as long as a CLI stays quiet and more
                java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(3500));
            }
            attached = target + " " + cidrs;
            return new Attachment(target, "/run/netns/c1", "vethwl0", "02:00:00:00:00:01", cidrs);
        }

        @Override public Attachment detach(String target, List<String> cidrs) { return C1.withCidrs(List.of()); }

        @Override public List<Attachment> attachments() { return List.of(C1, new Attachment(Attachment.EXPOSE, "", "weft", "02:00:00:00:00:09", List.of("10.32.0.254/12"))); }

        @Override public Attachment expose(List<String> cidrs) { return new Attachment(Attachment.EXPOSE, "", "weft", "02:00:00:00:00:09", List.of("10.32.0.254/12")); }

        @Override public Attachment hide(List<String> cidrs) { return new Attachment(Attachment.EXPOSE, "", "weft", "02:00:00:00:00:09", List.of()); }

        @Override public String removePeer(String peer, boolean force) {
            if (peer.equals("alive") && !force) throw new IllegalArgumentException("not taken over: peer alive is reachable");
            return "42 addresses taken over from " + peer;
        }

        @Override public String adoptWinningRing() { throw new IllegalArgumentException("there is no conflicting ring to adopt"); }

        volatile boolean left;

        @Override public String leave() {
            left = true;
            return "dropped 1 allocations; gave 128 addresses [10.32.0.128/25] to peer aa:bb:cc:dd:ee:02; confirmed";
        }

        @Override public String primeAllocation() { return "ready"; }
        @Override public String allocateAddress(String owner, java.util.Optional<String> subnet) { throw new UnsupportedOperationException(); }
        @Override public List<String> addressesOf(String owner) { return List.of("10.32.0.9"); }
        @Override public String claimAddress(String owner, String cidr) { throw new UnsupportedOperationException(); }
        @Override public List<String> releaseAddresses(String owner, java.util.Optional<String> cidr) { throw new UnsupportedOperationException(); }

        @Override public weft.api.DnsStatus dns() { throw new UnsupportedOperationException(); }
        @Override public List<weft.api.DnsStatus.Entry> dnsAdd(String name, List<String> addresses, java.util.Optional<String> owner) { throw new UnsupportedOperationException(); }
        @Override public List<weft.api.DnsStatus.Entry> dnsRemove(java.util.Optional<String> name, List<String> addresses, java.util.Optional<String> owner) { throw new UnsupportedOperationException(); }
        @Override public List<String> dnsLookup(String name) { throw new UnsupportedOperationException(); }
        @Override public weft.api.PolicyStatus policy() { throw new UnsupportedOperationException(); }
        @Override public weft.api.ApiReply.PolicyVerdict policyWhy(weft.api.ApiRequest.PolicyQuestion question) {
            if (question.source().equals("prod/nobody")) throw new IllegalArgumentException("no pod prod/nobody with an address on the overlay is known");
            asked = question;
            return new weft.api.ApiReply.PolicyVerdict(question.port() == 5432, (question.port() == 5432 ? "allowed: " : "denied: ") + "because");
        }

        volatile weft.api.ApiRequest.PolicyQuestion asked;
        @Override public String metrics() { return "weft_sleeve_frames_total 12\n"; }

        @Override public void stop() { }
    }

    @BeforeEach
    void start() throws IOException {
        server = new ApiServer(new InetSocketAddress("127.0.0.1", 0), router, JSON, Optional.empty(), Optional.empty());
        server.start();
        weft = weft(Map.of("WEFT_HTTP_ADDR", "127.0.0.1:" + server.address().getPort(), "WEFT_DATA_DIR", dataDir.toString()));
    }

    private Weft weft(Map<String, String> environment) {
        return new Weft(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), environment);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return weft.run(List.of(args));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void connectPrintsEachTargetsFirstAttemptAndFailsIfOneFailed() {
        assertEquals(1, run("connect", "host2", "down:6783"));
        assertEquals("host2: connected to aa:bb:cc:dd:ee:02(host2)\n", out());
        assertEquals("weft connect: down:6783: connection refused\n", err());
    }

    @Test
    void policyWhyAsksAboutTheConnectionAndItsExitStatusIsTheVerdict() {
        assertEquals(0, run("policy", "why", "prod/web", "prod/db:5432"));
        assertEquals("allowed: because\n", out());
        assertEquals(new weft.api.ApiRequest.PolicyQuestion("prod/web", "prod/db", "TCP", 5432), router.asked);
        assertEquals(1, run("policy", "why", "10.32.0.6", "prod/db:53/udp"));
        assertEquals("denied: because\n", out());
        assertEquals(new weft.api.ApiRequest.PolicyQuestion("10.32.0.6", "prod/db", "UDP", 53), router.asked);
        assertEquals(1, run("policy", "why", "prod/web", "prod/db"));
        assertEquals(new weft.api.ApiRequest.PolicyQuestion("prod/web", "prod/db", "TCP", 0), router.asked, "no port: every port");
        // a question that gets no answer must not read as a denial
        assertEquals(2, run("policy", "why", "prod/nobody", "prod/db:80"));
        assertTrue(err().contains("no pod prod/nobody"), err());
        assertEquals(2, run("policy", "why", "prod/web", "prod/db:http"));
        assertEquals("weft policy: 'http' is not a port number (DESTINATION:PORT[/PROTOCOL])\n", err());
        assertEquals(2, run("policy", "why", "prod/web", "prod/db:80/icmp"));
        assertEquals(2, run("policy", "prod/web", "prod/db"));
    }

    @Test
    void forgetSaysWhichWereNotTargets() {
        assertEquals(1, run("forget", "host2", "unknown"));
        assertEquals("forgot host2\n", out());
        assertEquals("weft forget: unknown is not a target\n", err());
    }

    @Test
    void attachAndPsPrintTargetMacAndAddresses() {
        assertEquals(0, run("attach", "10.32.0.5/12", "10.32.0.6/12", "netns:c1"));
        assertEquals("netns:c1 02:00:00:00:00:01 10.32.0.5/12 10.32.0.6/12\n", out());
        assertEquals("netns:c1 [10.32.0.5/12, 10.32.0.6/12]", router.attached);

        assertEquals(0, run("ps"));
        assertEquals("netns:c1 02:00:00:00:00:01 10.32.0.5/12\nweft:expose 02:00:00:00:00:09 10.32.0.254/12\n", out());
        assertEquals(0, run("ps", "netns:c1"));
        assertEquals("netns:c1 02:00:00:00:00:01 10.32.0.5/12\n", out());
        assertEquals(1, run("ps", "netns:c1", "netns:c9"));
        assertEquals("weft ps: not attached to this router: netns:c9\n", err());

        assertEquals(0, run("detach", "netns:c1"));
        assertEquals("netns:c1 02:00:00:00:00:01\n", out());
    }

    @Test
    void exposeAndHidePrintTheHostsAttachment() {
        assertEquals(0, run("expose"));
        assertEquals("weft:expose 02:00:00:00:00:09 10.32.0.254/12\n", out());
        assertEquals(0, run("hide"));
        assertEquals("hid the host from 10.32.0.254/12; it has no overlay address left\n", out());
    }

    @Test
    void rmpeerPrintsWhatWasTakenOverAndTheRoutersRefusalPerPeer() {
        assertEquals(1, run("rmpeer", "dead", "alive"));
        assertEquals("42 addresses taken over from dead\n", out());
        assertEquals("weft rmpeer: alive: not taken over: peer alive is reachable\n", err());

        assertEquals(0, run("rmpeer", "--force", "alive"));
        assertEquals("42 addresses taken over from alive\n", out());
    }

    @Test
    void primeAndAdoptRingPrintTheReplyOrTheRefusal() {
        assertEquals(0, run("prime"));
        assertEquals("ready\n", out());
        assertEquals(1, run("adopt-ring"));
        assertEquals("weft adopt-ring: there is no conflicting ring to adopt\n", err());
    }

    @Test
    void statusPrintsTheTextAndReportTheWholeStateAsJson() throws IOException {
        assertEquals(0, run("status", "connections"));
        assertTrue(out().contains("aa:bb:cc:dd:ee:02(host2) fast, encrypted, data sealed, path MTU 1500\n"), out());

        assertEquals(0, run("report"));
        assertEquals(JSON.readTree(JSON.writeValueAsBytes(router.status)), JSON.readTree(out()));
        assertTrue(out().startsWith("{\n  \"version\" : \"0.1.0\",\n"), "indented, one field a line: " + out());
    }

    @Test
    void aLaunchThatFailsLeavesNoDataDirectoryBehindThatItCreated(@TempDir Path parent) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Privileges.missingHere().isEmpty(), "launch needs root");
        Path fresh = parent.resolve("new-router");
        String http = "127.0.0.1:" + server.address().getPort(); // the stand-in answers there, as another router would
        assertEquals(1, run("launch", "--data-dir", fresh.toString(), "--http-addr", http));
        assertTrue(err().contains("another router already answers at " + http), err());
        assertFalse(java.nio.file.Files.exists(fresh), "the failed launch left " + fresh);

        java.nio.file.Files.createDirectory(fresh);
        assertEquals(1, run("launch", "--data-dir", fresh.toString(), "--http-addr", http));
        assertTrue(java.nio.file.Files.isDirectory(fresh), "a launch removed a data directory it did not create");
    }

    @Test
    void aDataDirectoryThatIsAFileIsNamedAsSuch(@TempDir Path parent) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Privileges.missingHere().isEmpty(), "launch needs root");
        Path file = java.nio.file.Files.writeString(parent.resolve("x"), "not a directory");
        assertEquals(1, run("launch", "--data-dir", file.toString()));
        assertEquals("weft launch: cannot use data directory " + file + ": it exists and is not a directory; choose another with --data-dir\n",
                err().lines().filter(l -> !l.contains("warning")).map(l -> l + "\n").reduce("", String::concat));
    }

    @Test
    void anAttachThatWaitsForTheAllocatorSaysWhatItWaitsFor() throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode waiting = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.valueToTree(router.status);
        ((com.fasterxml.jackson.databind.node.ObjectNode) waiting.get("ipam")).put("waitingFor", "awaiting consensus: need 1 more");
        router.status = JSON.treeToValue(waiting, StatusReport.class);
        assertEquals(0, run("attach", "netns:slow"));
        assertEquals("weft attach: waiting for the IP allocator: awaiting consensus: need 1 more\n", err(), "said once, while it waited");
        assertEquals("netns:slow 02:00:00:00:00:01\n", out());

        assertEquals(0, run("attach", "netns:c1"));
        assertEquals("", err(), "a quick answer needs no word");
    }

    @Test
    void versionPrintsOursAndTheRouters() {
        assertEquals(0, run("version"));
        assertEquals("weft " + Router.VERSION + "\nrouter 0.1.0\n", out());
    }

    @Test
    void metricsPrintTheRoutersText() {
        assertEquals(0, run("metrics"));
        assertEquals("weft_sleeve_frames_total 12\n", out());
    }

    @Test
    void theVerbsSendTheTokenFromTheDataDirectoryToARouterOtherHostsMayReach(@TempDir Path elsewhere) throws IOException {
        ApiToken token = ApiTokenFile.readOrCreate(dataDir, new SecureRandom());
        try (ApiServer remote = new ApiServer(new InetSocketAddress("0.0.0.0", 0), router, JSON, Optional.of(token), Optional.empty())) {
            remote.start();
            String address = "0.0.0.0:" + remote.address().getPort();
            weft = weft(Map.of("WEFT_HTTP_ADDR", address, "WEFT_DATA_DIR", dataDir.toString()));

            assertEquals(0, run("metrics"), err());
            assertEquals("weft_sleeve_frames_total 12\n", out());
            assertEquals(0, run("attach", "10.32.0.5/12", "netns:c1"), err());

            weft = weft(Map.of("WEFT_HTTP_ADDR", address, "WEFT_DATA_DIR", elsewhere.toString()));
            assertEquals(1, run("metrics"));
            assertTrue(err().startsWith("weft metrics: this API takes requests from other hosts, so each needs 'Authorization: Bearer TOKEN'"), err());
        }
    }

    @Test
    void theVerbsCallTheAddressTheRouterRecordedInTheDataDirectoryTheyAreGiven(@TempDir Path recorded) throws IOException {
        ApiLocation location = ApiLocation.of(server.address(), 4242);
        try (var published = ApiLocationFile.publish(recorded, location, new ApiCodec(JSON))) {
            weft = weft(Map.of());
            assertEquals(0, run("metrics", "--data-dir", recorded.toString()), err());
            assertEquals("weft_sleeve_frames_total 12\n", out());

            weft = weft(Map.of("WEFT_DATA_DIR", recorded.toString()));
            assertEquals(0, run("prime"), err());
            assertEquals("ready\n", out());
        }
    }

    @Test
    void httpAddrOrWeftHttpAddrOverridesTheRecordedAddress(@TempDir Path recorded) throws IOException {
        ApiLocation nowhere = new ApiLocation("127.0.0.1", 1, 4242);
        try (var published = ApiLocationFile.publish(recorded, nowhere, new ApiCodec(JSON))) {
            weft = weft(Map.of("WEFT_DATA_DIR", recorded.toString()));
            assertEquals(0, run("prime", "--http-addr", "127.0.0.1:" + server.address().getPort()), err());

            weft = weft(Map.of("WEFT_DATA_DIR", recorded.toString(), "WEFT_HTTP_ADDR", "127.0.0.1:" + server.address().getPort()));
            assertEquals(0, run("prime"), err());

            weft = weft(Map.of("WEFT_DATA_DIR", recorded.toString()));
            assertEquals(1, run("prime"));
            assertTrue(err().startsWith("weft prime: nothing answers at 127.0.0.1:1 and no router runs with data directory"), err());
        }
    }
}
