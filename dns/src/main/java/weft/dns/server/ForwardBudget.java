package weft.dns.server;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * How many forwarded queries are outstanding, per client address and in all: a client flooding queries to a silent
 * upstream fills its own share and is refused beyond it, leaving room for everyone else. Event loop only.
 */
final class ForwardBudget {
    private final int perClient;
    private final int total;
    private final Map<InetAddress, Integer> outstanding = new HashMap<>();
    private int all;

    ForwardBudget(int perClient, int total) {
        this.perClient = perClient;
        this.total = total;
    }

    /** Takes a slot for {@code client}; false when it, or everyone together, has none left. */
    boolean tryAcquire(InetAddress client) {
        int theirs = outstanding.getOrDefault(client, 0);
        if (theirs >= perClient || all >= total) {
            return false;
        }
        outstanding.put(client, theirs + 1);
        all++;
        return true;
    }

    /** Gives back a slot {@link #tryAcquire} took for {@code client}. */
    void release(InetAddress client) {
        outstanding.computeIfPresent(client, (address, count) -> count == 1 ? null : count - 1);
        all--;
    }
}
