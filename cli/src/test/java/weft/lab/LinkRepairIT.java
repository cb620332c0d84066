package weft.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

import java.io.IOException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two hosts on the fast path, and an operator (or a script gone wrong) who changes Weft's links under the router on
 * host 1: the VXLAN port taken down, the bridge deleted. The router puts them back by itself and the containers
 * talk again, without a restart.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinkRepairIT {
    private static final Duration REPAIR = Duration.ofSeconds(20), SHORT = Duration.ofSeconds(10);
    private static Lab lab;
    private static Host h1, h2;
    private static String c1;

    @BeforeAll
    static void buildLab() throws IOException {
        lab = Lab.create(2);
        h1 = lab.host(1);
        h2 = lab.host(2);
        lab.weft(h1, "launch", "--nickname", "host1", "--no-discovery", h2.underlayAddress()).orThrow();
        lab.weft(h2, "launch", "--nickname", "host2", "--no-discovery", h1.underlayAddress()).orThrow();
        c1 = lab.container(h1, "c1");
        String c2 = lab.container(h2, "c2");
        lab.weft(h1, "attach", "10.97.0.1/24", "netns:" + c1).orThrow();
        lab.weft(h2, "attach", "10.97.0.2/24", "netns:" + c2).orThrow();
        assertTrue(Poll.until(() -> fast(), Duration.ofSeconds(60)), "never fast: " + connection());
        assertTrue(answers(), "no ping before anything was broken");
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) lab.close();
    }

    private static String connection() {
        return lab.weft(h1, "status", "connections").orThrow().stdout().lines().filter(l -> l.contains("(host2)")).findFirst().orElse("");
    }

    private static boolean fast() {
        return connection().contains(" fast,");
    }

    private static boolean answers() {
        return lab.exec(c1, SHORT, "ping", "-c", "1", "-W", "1", "10.97.0.2").ok();
    }

    private static boolean up(String link) {
        var shown = lab.exec(h1.netns(), SHORT, "ip", "-o", "link", "show", link);
        return shown.ok() && shown.stdout().contains(",UP");
    }

    @Test
    @Order(1)
    void theVxlanPortTakenDownComesBackUpAndThePairBackOnTheFastPath() throws Exception {
        lab.exec(h1.netns(), SHORT, "ip", "link", "set", "weft-vxlan", "down").orThrow();
        assertTrue(Poll.until(() -> up("weft-vxlan"), REPAIR), "weft-vxlan stayed down");
        assertTrue(Poll.until(LinkRepairIT::answers, REPAIR), "no ping after the port came back");
        assertTrue(Poll.until(LinkRepairIT::fast, REPAIR), "not fast again: " + connection());
    }

    @Test
    @Order(2)
    void aDeletedBridgeIsMadeAgainWithItsPortsAndTheContainersTalkAgain() throws Exception {
        lab.exec(h1.netns(), SHORT, "ip", "link", "del", "weft").orThrow();
        assertTrue(Poll.until(() -> up("weft"), REPAIR), "the bridge did not come back");
        assertTrue(Poll.until(LinkRepairIT::answers, REPAIR), "no ping after the bridge came back");
        assertTrue(Poll.until(LinkRepairIT::fast, REPAIR), "not fast again: " + connection());
        String log = java.nio.file.Files.readString(h1.dataDir().resolve("weft.log"));
        assertTrue(log.contains("bridge weft was gone: made again"), "the repair is not in the log");
        assertTrue(lab.weft(h1, "status").ok(), "the router no longer answers");
    }
}
