package weft.lab;

import weft.lab.Lab;

import java.time.Duration;

/** Pings polled against a deadline: the first frames across a new mesh may be lost to ARP and to convergence. */
final class Reachability {
    private Reachability() {
    }

    /** True once one ping from {@code fromNetns} to {@code address} is answered within {@code within}. */
    static boolean reachable(Lab lab, String fromNetns, String address, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        do {
            if (lab.exec(fromNetns, Duration.ofSeconds(5), "ping", "-c", "1", "-W", "1", address).ok()) return true;
        } while (deadline - System.nanoTime() > 0);
        return false;
    }

    /** True once a round of three pings goes unanswered within {@code within}. */
    static boolean unreachable(Lab lab, String fromNetns, String address, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        do {
            if (!lab.exec(fromNetns, Duration.ofSeconds(10), "ping", "-c", "3", "-i", "0.3", "-W", "1", address).ok()) return true;
        } while (deadline - System.nanoTime() > 0);
        return false;
    }
}
