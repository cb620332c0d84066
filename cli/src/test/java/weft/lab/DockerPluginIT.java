package weft.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weft's Docker network and IPAM drivers with Debian's Docker engine, one engine per lab host, each finding its own
 * router's plugin: {@code docker network create -d weft --ipam-driver weft} on both hosts, a container on host 2
 * pinging one on host 1 at its address from the mesh's allocator, the address on {@code ethwe0} from the container's
 * first instruction, {@code --subnet} pools, the address going back on {@code docker rm} and the gateway's on
 * {@code docker network rm}, and a weft network with Docker's own IPAM refused with the reason.
 */
@EnabledIf("weft.lab.Lab#runningAsRoot")
class DockerPluginIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration RELEASE = Duration.ofSeconds(10);


    @Test
    void containersOnTwoHostsReachEachOtherOnAWeftNetwork() throws Exception {
        try (Lab lab = Lab.create(2)) {
            Host one = lab.host(1), two = lab.host(2);
            lab.weft(one, "launch", "--no-fastdp", two.underlayAddress()).orThrow();
            lab.weft(two, "launch", "--no-fastdp", one.underlayAddress()).orThrow();
            try (LabDocker docker1 = LabDocker.start(lab, one); LabDocker docker2 = LabDocker.start(lab, two)) {
                ExecResult refused = docker1.docker("network", "create", "-d", "weft", "plain-ipam");
                assertFalse(refused.ok(), refused.describe());
                assertTrue(refused.stderr().contains("--ipam-driver weft"), refused.describe());

                for (LabDocker docker : new LabDocker[]{docker1, docker2}) {
                    docker.docker("network", "create", "-d", "weft", "--ipam-driver", "weft", "weftnet").orThrow();
                }
                int before = LabDocker.allocations(lab, one);
                docker1.docker("run", "-d", "--name", "c1", "--network", "weftnet", LabDocker.BUSYBOX, "sleep", "600").orThrow();
                String address = docker1.docker("inspect", "-f", "{{.NetworkSettings.Networks.weftnet.IPAddress}}", "c1").orThrow().stdout().strip();
                assertTrue(address.matches("10\\.(3[2-9]|4[0-7])\\.[0-9]+\\.[0-9]+"), "c1's address is not in the range 10.32.0.0/12: " + address);
                assertEquals(before + 1, LabDocker.allocations(lab, one), "the address is the allocator's");

                // the container's first instruction sees its address: the engine joins the network before it starts it
                for (int i = 0; i < 3; i++) {
                    ExecResult first = docker2.docker("run", "--rm", "--network", "weftnet", LabDocker.BUSYBOX, "ip", "-4", "addr", "show", "ethwe0");
                    assertTrue(first.ok() && first.stdout().matches("(?s).*inet 10\\.(3[2-9]|4[0-7])\\.[0-9.]+/12 .*"), first.describe());
                }
                ExecResult ping = docker2.docker("run", "--rm", "--network", "weftnet", LabDocker.BUSYBOX, "ping", "-c", "3", "-W", "2", address);
                assertTrue(ping.ok(), "a container on host 2 does not reach c1 on host 1: " + ping.describe());

                docker1.docker("rm", "-f", "c1").orThrow();
                assertTrue(Poll.until(() -> LabDocker.allocations(lab, one) == before, RELEASE), "c1's address was not given back");

                docker1.docker("network", "create", "-d", "weft", "--ipam-driver", "weft", "--subnet", "10.33.0.0/16", "sub").orThrow();
                ExecResult sub = docker1.docker("run", "--rm", "--network", "sub", LabDocker.BUSYBOX, "ip", "route");
                assertTrue(sub.ok() && sub.stdout().contains("10.33.0.0/16 dev ethwe0") && sub.stdout().contains("10.32.0.0/12 dev ethwe0"), sub.describe());
                docker1.docker("network", "rm", "sub", "weftnet").orThrow();
                assertTrue(Poll.until(() -> LabDocker.allocations(lab, one) == before - 1, RELEASE), "the gateway's address was not given back");
            }
        }
    }
}
