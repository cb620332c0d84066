package weft.api;

import java.util.List;
import java.util.Map;

/**
 * Weft DNS on one router, as {@code weft status dns} shows it.
 *
 * @param state    {@code serving}, {@code off} (--no-dns), or what the server waits for or why it failed
 * @param listen   the address it answers on, host:port, empty when it answers on none
 * @param domain   the domain it answers for, with its trailing dot
 * @param entries  every name known on the mesh here
 * @param counters queries by outcome (answered, nxdomain, forwarded, ...) and gossip refused
 */
public record DnsStatus(String state, String listen, String domain, long ttlSeconds, List<Entry> entries, Map<String, Long> counters) {
    public DnsStatus {
        entries = List.copyOf(entries);
        counters = Map.copyOf(counters);
    }

    /**
     * The name a container goes on Weft DNS by, as Weave chose it: its host name, with its domain name when it has one,
     * when that is in {@code domain} ({@code db} with {@code weft.local} is {@code db.weft.local.}); else empty.
     *
     * @param domain lower case with its trailing dot
     */
    public static java.util.Optional<String> containerName(String hostName, String domainName, String domain) {
        if (hostName.isEmpty()) return java.util.Optional.empty();
        String name = (domainName.isEmpty() ? hostName : hostName + "." + domainName).toLowerCase(java.util.Locale.ROOT) + ".";
        return name.endsWith("." + domain) ? java.util.Optional.of(name) : java.util.Optional.empty();
    }

    /**
     * The address to give a container as its name server (Docker's {@code --dns}, resolv.conf's {@code nameserver}),
     * which take no port: Weft DNS's when it answers on port 53, else empty.
     */
    public java.util.Optional<String> nameServer() {
        if (!listen.endsWith(":53")) return java.util.Optional.empty();
        return java.util.Optional.of(listen.substring(0, listen.lastIndexOf(':')));
    }

    /**
     * One name: {@code name} has {@code address}, given by peer {@code origin} for {@code owner}, a container's
     * target key or {@code weft:extern} for a name given with {@code weft dns-add}.
     */
    public record Entry(String name, String address, String owner, String origin) {
    }
}
