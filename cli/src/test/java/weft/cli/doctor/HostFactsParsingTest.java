package weft.cli.doctor;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import weft.gossip.Cidr;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The readers of what the host says: /proc/net socket tables, ip -j route, nft -j list ruleset; odd input is skipped, never thrown. */
class HostFactsParsingTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void procNetTablesGiveTheListeningTcpAndBoundUdpSocketsOnTheWantedPorts() {
        String tcp = """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 00000000:1A7F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4711 1 0000000000000000 100 0 0 10 0
                   1: 0100007F:1A80 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4712 1 0000000000000000 100 0 0 10 0
                   2: 024DA8C0:1A7F 014DA8C0:9C40 01 00000000:00000000 00:00000000 00000000     0        0 4713 1 0000000000000000 20 4 30 10 -1
                garbage line
                """;
        assertEquals(List.of(new PortHolder("tcp", "0.0.0.0", 6783, 4711, PortHolder.UNKNOWN, ""),
                        new PortHolder("tcp", "127.0.0.1", 6784, 4712, PortHolder.UNKNOWN, "")),
                ProcNetSockets.parse(tcp, "tcp", Set.of(6783, 6784)), "listening only: an accepted connection shares the port");
        String udp = """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
                  12: 00000000:1A7F 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5001 2 0000000000000000 0
                  13: 00000000:1A80 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 0 2 0000000000000000 0
                """;
        assertEquals(List.of(new PortHolder("udp", "0.0.0.0", 6783, 5001, PortHolder.UNKNOWN, ""),
                new PortHolder("udp", "0.0.0.0", 6784, 0, PortHolder.KERNEL, "")), ProcNetSockets.parse(udp, "udp", Set.of(6783, 6784)));
        assertEquals("192.168.77.2", ProcNetSockets.address("024DA8C0"));
        assertEquals("::", ProcNetSockets.address("00000000000000000000000000000000"));
    }

    @Test
    void routesAreReadWithoutTheDefaultAndWithHostRoutesAsSlash32() throws Exception {
        var routes = json.readTree("""
                [{"dst":"default","gateway":"192.0.2.1","dev":"eth0"},{"dst":"192.0.2.0/24","dev":"eth0","protocol":"kernel"},
                 {"dst":"10.32.0.7","dev":"tun0"},{"dst":"10.33.0.0/16","type":"blackhole"},{"dst":"fe80::/64","dev":"eth0"}]""");
        assertEquals(List.of(new Facts.Route(Cidr.parse("192.0.2.0/24"), "eth0"), new Facts.Route(Cidr.parse("10.32.0.7/32"), "tun0")),
                IpRoutes.parse(routes));
    }

    @Test
    void nftRulesThatDropOrRejectTheWantedPortsAreFoundByNumberSetOrRangeAndWeftsOwnTablesAreLeftOut() throws Exception {
        var ruleset = json.readTree("""
                {"nftables":[{"metainfo":{"version":"1.0.6"}},
                 {"table":{"family":"inet","name":"filter","handle":1}},
                 {"chain":{"family":"inet","table":"filter","name":"input","handle":1,"type":"filter","hook":"input","prio":0,"policy":"accept"}},
                 {"rule":{"family":"inet","table":"filter","chain":"input","handle":4,"expr":[
                    {"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":"192.168.77.1"}},
                    {"match":{"op":"==","left":{"payload":{"protocol":"udp","field":"dport"}},"right":{"set":[6783,6784]}}},{"drop":null}]}},
                 {"rule":{"family":"inet","table":"filter","chain":"input","handle":5,"expr":[
                    {"match":{"op":"==","left":{"payload":{"protocol":"th","field":"dport"}},"right":{"range":[6000,6783]}}},{"reject":{"type":"icmpx"}}]}},
                 {"rule":{"family":"inet","table":"filter","chain":"input","handle":6,"expr":[
                    {"match":{"op":"!=","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":6783}},{"drop":null}]}},
                 {"rule":{"family":"inet","table":"filter","chain":"input","handle":7,"expr":[
                    {"match":{"op":"==","left":{"payload":{"protocol":"udp","field":"dport"}},"right":6783}},{"accept":null}]}},
                 {"rule":{"family":"ip","table":"weft","chain":"guard","handle":2,"expr":[
                    {"match":{"op":"==","left":{"payload":{"protocol":"udp","field":"dport"}},"right":6784}},{"drop":null}]}}]}""");
        assertEquals(List.of(new FirewallDrop("inet", "filter", "input", 4, "udp", "dport", List.of(6783, 6784), "drop"),
                        new FirewallDrop("inet", "filter", "input", 5, "th", "dport", List.of(6783), "reject")),
                NftRuleset.drops(ruleset, Set.of(6783, 6784)));
        assertEquals(List.of(), NftRuleset.drops(json.readTree("{\"nftables\":[{\"rule\":{\"expr\":\"odd\"}}]}"), Set.of(6783)));
    }
}
