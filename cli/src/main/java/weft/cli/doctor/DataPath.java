package weft.cli.doctor;

import weft.api.StatusReport;
import weft.api.StatusReport.ConnectionView;
import weft.api.StatusReport.SleeveHeard;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Check: for each peer whose control connection (TCP 6783) is established, whether data can flow too. Path MTU
 * probes keep sleeve datagrams (UDP 6783) flowing both ways every 10 s or so even when containers are quiet, and
 * the fast path's heartbeats (UDP 6784) every half second; a pair from which neither arrived for
 * {@link #QUIET_LIMIT} is cut off on UDP while its status looks fine: the classic firewall that lets only TCP
 * through. Stateless.
 */
final class DataPath {
    static final String NAME = "data path";
    /**
     * How long a sleeve may hear nothing from a connected peer before it counts as cut off: two periods of the probes
     * that check the path (10 s, and a second for the answer), and some to spare for a lost one.
     */
    static final Duration QUIET_LIMIT = Duration.ofSeconds(25);

    private DataPath() {
    }

    static List<Finding> check(Facts facts) {
        if (!(facts.router() instanceof RouterState.Answering answering)) return List.of(RouterAnswers.skipped(NAME));
        StatusReport status = answering.status();
        List<Finding> problems = new ArrayList<>();
        int established = 0, fast = 0;
        for (ConnectionView c : status.connections()) {
            if (!"established".equals(c.state())) continue;
            established++;
            Finding finding = pair(c, facts.now());
            if (finding.level() == Finding.Level.OK) {
                if (fastNow(c)) fast++;
            } else {
                problems.add(finding);
            }
        }
        if (!problems.isEmpty()) return problems;
        if (established == 0) return List.of(Finding.ok(NAME, "no peer is connected, so there is no data path to check (see the targets)"));
        return List.of(Finding.ok(NAME, established + (established == 1 ? " connected peer" : " connected peers")
                + " heard on UDP within " + QUIET_LIMIT.toSeconds() + " s (" + fast + " on the fast path)"));
    }

    /** One established connection: ok, or what is dead and what to open. */
    static Finding pair(ConnectionView c, Instant now) {
        String peer = c.peer() + "(" + c.nickname() + ") at " + host(c.address());
        SleeveHeard heard = c.sleeveHeard();
        if (heard == null) return Finding.skip(NAME, peer + ": this router does not say what its sleeve hears (it is older than this weft)");
        Duration age = age(c.since(), now);
        Duration sinceDatagram = heard.datagrams() == 0 || heard.sinceDatagramMillis() < 0 ? age : Duration.ofMillis(heard.sinceDatagramMillis());
        Duration sinceAnswer = heard.sinceAcknowledgedMillis() < 0 ? age : Duration.ofMillis(heard.sinceAcknowledgedMillis());
        boolean nothingArrives = sinceDatagram.compareTo(QUIET_LIMIT) > 0;
        boolean noAnswers = sinceAnswer.compareTo(QUIET_LIMIT) > 0;
        String path = c.path() == null ? "" : c.path();
        boolean fastDead = path.startsWith("fast:");
        String open = "let UDP 6783 and 6784 through, both ways, between this host and " + host(c.address())
                + " (host firewalls, cloud security groups); 'weft doctor' on " + c.nickname() + " tells its side";
        if ((nothingArrives || noAnswers) && !fastNow(c)) {
            String sleeve = nothingArrives ? "nothing arrived on UDP 6783 from it for " + seconds(sinceDatagram)
                    : "it answered none of our UDP 6783 probes for " + seconds(sinceAnswer) + " (ours do not reach it, or its answers do not reach us)";
            String fastPart = fastDead ? ", and the fast path's heartbeats (UDP 6784) are lost" : " and the pair has no fast path (" + path + ")";
            return Finding.fail(NAME, peer + ": the control connection (TCP 6783) is up but the data path is dead: " + sleeve + fastPart, open);
        }
        if (nothingArrives || noAnswers) {
            return Finding.warn(NAME, peer + ": the fast path carries the data, but the sleeve (UDP 6783) is cut off: "
                    + (nothingArrives ? "nothing arrived for " + seconds(sinceDatagram) : "no probe answered for " + seconds(sinceAnswer))
                    + "; multi-hop traffic and a fallback from the fast path have no way through", open);
        }
        if (fastDead) {
            boolean mtu = path.contains("full-size");
            return Finding.warn(NAME, peer + ": on the sleeve, slower than it could be: " + path.substring("fast: ".length()),
                    mtu ? "lower the overlay MTU (launch every router with the same --mtu) or raise the underlay's; see the mtu line"
                            : "let UDP 6784 through, both ways, between this host and " + host(c.address()) + " for the kernel's fast path");
        }
        return Finding.ok(NAME, peer + ": heard on UDP");
    }

    private static boolean fastNow(ConnectionView c) {
        return c.path() != null && (c.path().equals("fast") || c.path().startsWith("fast ("));
    }

    /** How long the connection has been up; zero when its start cannot be read (then nothing counts as quiet for long). */
    private static Duration age(String since, Instant now) {
        try {
            Duration age = Duration.between(Instant.parse(since), now);
            return age.isNegative() ? Duration.ZERO : age;
        } catch (DateTimeParseException | NullPointerException e) {
            return Duration.ZERO;
        }
    }

    /** The host of {@code host:port}, as a connection's address shows it. */
    static String host(String address) {
        int colon = address.lastIndexOf(':');
        return colon < 0 ? address : address.substring(0, colon);
    }

    private static String seconds(Duration duration) {
        return duration.toSeconds() + " s";
    }
}
