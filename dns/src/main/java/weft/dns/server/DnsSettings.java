package weft.dns.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How the DNS server is set up.
 *
 * @param listen where it listens, on UDP and TCP alike; port 0 picks a free port (the same one for both)
 * @param domain the domain it answers for, lower case with the trailing dot ({@code weft.local.}); given in any case
 *               and with or without the trailing dot, it is normalised to that form
 * @param ttl the TTL of the records it answers with; whole seconds
 * @param resolvConf the file whose {@code nameserver} lines name the upstream servers for everything else
 * @param upstreamTimeout how long one upstream has to answer a forwarded query before the next is tried
 * @param maxForwardedPerClient how many forwarded queries one client address may have outstanding
 * @param maxForwardedTotal how many forwarded queries all clients together may have outstanding
 */
public record DnsSettings(InetSocketAddress listen, String domain, Duration ttl, Path resolvConf,
                          Duration upstreamTimeout, int maxForwardedPerClient, int maxForwardedTotal) {
    public static final String DEFAULT_DOMAIN = "weft.local.";
    public static final int DEFAULT_PORT = 53;

    public DnsSettings {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(resolvConf, "resolvConf");
        Objects.requireNonNull(upstreamTimeout, "upstreamTimeout");
        if (listen.isUnresolved()) {
            throw new IllegalArgumentException("listen address " + listen + " is not an IP address");
        }
        domain = domain(domain);
        if (ttl.isNegative() || ttl.toNanosPart() != 0 || ttl.toSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ttl " + ttl + " is not a whole number of seconds from 0 to 2^31-1");
        }
        if (!upstreamTimeout.isPositive()) {
            throw new IllegalArgumentException("upstreamTimeout " + upstreamTimeout + " is not positive");
        }
        if (maxForwardedPerClient < 1 || maxForwardedTotal < maxForwardedPerClient) {
            throw new IllegalArgumentException("forwarding limits must satisfy 1 <= maxForwardedPerClient ("
                    + maxForwardedPerClient + ") <= maxForwardedTotal (" + maxForwardedTotal + ")");
        }
    }

    /** Weave's defaults: port 53 on every address, {@code weft.local.}, TTL 1 s, the host's resolv.conf. */
    public static DnsSettings defaults() {
        return new DnsSettings(new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), DEFAULT_PORT), DEFAULT_DOMAIN,
                Duration.ofSeconds(1), Path.of("/etc/resolv.conf"), Duration.ofSeconds(5), 100, 2000);
    }

    public DnsSettings withListen(InetSocketAddress newListen) {
        return new DnsSettings(newListen, domain, ttl, resolvConf, upstreamTimeout, maxForwardedPerClient,
                maxForwardedTotal);
    }

    public DnsSettings withUpstreamTimeout(Duration newTimeout) {
        return new DnsSettings(listen, domain, ttl, resolvConf, newTimeout, maxForwardedPerClient, maxForwardedTotal);
    }

    public DnsSettings withForwardLimits(int perClient, int total) {
        return new DnsSettings(listen, domain, ttl, resolvConf, upstreamTimeout, perClient, total);
    }

    /**
     * {@code given} as the server takes a domain: lower case with its trailing dot.
     *
     * @throws IllegalArgumentException naming the label that cannot be one
     */
    public static String domain(String given) {
        String domain = given.toLowerCase(Locale.ROOT);
        if (!domain.endsWith(".")) {
            domain = domain + ".";
        }
        if (domain.length() > 254) {
            throw new IllegalArgumentException("domain '" + given + "' is longer than 253 characters");
        }
        String[] labels = domain.substring(0, domain.length() - 1).split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63 || !label.matches("[a-z0-9_-]+")) {
                throw new IllegalArgumentException("domain '" + given + "' has an invalid label '" + label
                        + "' (1 to 63 letters, digits, '-' or '_')");
            }
        }
        return domain;
    }
}
