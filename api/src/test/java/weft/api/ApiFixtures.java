package weft.api;

import java.util.List;
import java.util.Map;

/** Values of the API's records with every field set, so that a round trip that loses one shows. */
final class ApiFixtures {
    private ApiFixtures() {
    }

    static StatusReport status() {
        return new StatusReport("0.1.0", 4242, "aa:bb:cc:dd:ee:ff", "host-1", "enabled", "0.0.0.0:6783", 6783, "127.0.0.1:6784",
                "weft", "weft-sleeve", 1376, "automatic, from the underlay MTU 1466 of eth0", "10.32.0.0/12", "/var/lib/weft",
                List.of(new StatusReport.ConnectionView("11:22:33:44:55:66", "host-2", "192.168.1.2:6783", "outbound",
                        "established", "2025-01-01T00:00:00Z", "fast", "encrypted, data sealed", 1500, new StatusReport.SleeveHeard(12, 800, 3_100))),
                List.of(new StatusReport.TargetView("192.168.1.3", "retrying", null, "connection refused", "2025-01-01T00:00:05Z", 3)),
                List.of(new StatusReport.PeerView("11:22:33:44:55:66", "host-2", "1f", 3, 17, List.of("aa:bb:cc:dd:ee:ff"))),
                Map.of("11:22:33:44:55:66", "11:22:33:44:55:66"), 7, Map.of("dropped-bad-magic", 2L, "frames-out", 12L),
                new StatusReport.IpamView("10.32.0.0/12", "10.32.0.0/12", "ready", "nothing", "ring", 100, 2,
                        List.of(new StatusReport.IpamView.Share("aa:bb:cc:dd:ee:ff", "host-1", 1 << 20, 100.0, 100, true, List.of("10.32.0.0/12"))),
                        List.of("a request"), List.of("a conflict"), ""),
                "weft-vxlan (VXLAN, UDP 6784) on weft", Map.of("heartbeats-sent", 4L), Map.of("udp gro", "available"));
    }

    static Attachment attachment() {
        return new Attachment("netns:c1", "/run/netns/c1", "vethwl0", "02:00:00:00:00:01", List.of("10.32.0.5/12", "10.32.0.6/12"));
    }
}
