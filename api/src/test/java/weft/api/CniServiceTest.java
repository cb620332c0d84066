package weft.api;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The headers a CNI call travels in are part of the wire contract: the launcher installed on a host spells them so. */
class CniServiceTest {
    @Test
    void eachVariableHasTheHeaderTheLauncherSends() {
        assertEquals(List.of("Cni-Command", "Cni-Containerid", "Cni-Netns", "Cni-Ifname", "Cni-Args"),
                CniService.VARIABLES.stream().map(CniService::header).toList());
        assertEquals("Weft-Netns-Held", CniService.HELD_NETNS_HEADER);
        assertEquals("Weft-Cni-Exit", CniService.EXIT_HEADER);
    }
}
