package weft.dns.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** The {@code nameserver} lines of a resolv.conf. Pure. */
final class ResolvConf {

    private ResolvConf() {
    }

    /** The name servers {@code text} lists, in order, IPv4 and IPv6; lines that are not an IP literal are skipped. */
    static List<InetSocketAddress> nameservers(String text) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] words = line.strip().split("\\s+");
            if (words.length < 2 || !words[0].equals("nameserver")) {
                continue; // comments start with # or ; and so are never "nameserver"
            }
            try {
                InetSocketAddress server = new InetSocketAddress(InetAddress.ofLiteral(words[1]), DnsSettings.DEFAULT_PORT);
                if (!servers.contains(server)) {
                    servers.add(server);
                }
            } catch (IllegalArgumentException notAnAddress) {
                // glibc ignores such a line too
            }
        }
        return List.copyOf(servers);
    }
}
