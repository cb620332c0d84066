package weft.lab;

import java.time.Duration;

/** Pings polled against a deadline: the first frames across a new mesh may be lost to ARP and to convergence. */
final class Reachability {
    private Reachability() {
    }

    /** True once one ping from {@code fromNetns} to {@code address} is answered within {@code within}. */
    static boolean reachable(Lab lab, String fromNetns, String address, Duration within) {
        return Poll.until(() -> lab.exec(fromNetns, Duration.ofSeconds(5), "ping", "-c", "1", "-W", "1", address).ok(), within);
    }

    /** True once a round of three pings goes unanswered within {@code within}. */
    static boolean unreachable(Lab lab, String fromNetns, String address, Duration within) {
        return Poll.until(() -> !lab.exec(fromNetns, Duration.ofSeconds(10), "ping", "-c", "3", "-i", "0.3", "-W", "1", address).ok(),
                within);
    }
}
