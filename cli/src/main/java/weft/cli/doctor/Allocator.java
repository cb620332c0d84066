package weft.cli.doctor;

import weft.api.StatusReport.IpamView;

import java.util.ArrayList;
import java.util.List;

/**
 * Check: the address allocator's phase and what it waits for, a ring conflict, a snapshot it cannot save, and
 * addresses owned by peers nobody reaches. An attach without an address waits while the allocator does. Stateless.
 */
final class Allocator {
    static final String NAME = "allocator";

    private Allocator() {
    }

    static List<Finding> check(Facts facts) {
        if (!(facts.router() instanceof RouterState.Answering answering)) return List.of(RouterAnswers.skipped(NAME));
        IpamView ipam = answering.status().ipam();
        List<Finding> findings = new ArrayList<>();
        if (ipam.persistenceFailure() != null && !ipam.persistenceFailure().isEmpty()) {
            findings.add(Finding.fail(NAME, "the allocator cannot save its state: " + ipam.persistenceFailure(),
                    "make the data directory writable again (full disk? read-only file system?); 'weft status ipam' says when it saves"));
        }
        switch (ipam.phase()) {
            case "ready" -> { }
            case "idle" -> findings.add(Finding.ok(NAME, "idle: the ring starts on the first attach without an address, or 'weft prime'"));
            case "ring conflict" -> findings.add(Finding.fail(NAME, "another independently started allocation ring wins over this one: "
                    + String.join("; ", ipam.conflicts()), "'weft adopt-ring' adopts the winner (this router's allocations from its ring are dropped and listed)"));
            // the allocator's own account of what it waits for often starts with its phase: not said twice
            default -> findings.add(Finding.warn(NAME, (ipam.waitingFor().startsWith(ipam.phase()) ? ipam.waitingFor()
                            : ipam.phase() + ", waiting for " + ipam.waitingFor()) + "; an attach without an address waits until then",
                    "launch the peers it waits for (every initial peer names the same set), or see 'weft status ipam'"));
        }
        long unreachable = ipam.shares().stream().filter(s -> !s.reachable()).mapToLong(IpamView.Share::addresses).sum();
        if (unreachable > 0) {
            String owners = String.join(", ", ipam.shares().stream().filter(s -> !s.reachable()).map(s -> s.peer() + "(" + s.nickname() + ")").toList());
            findings.add(Finding.warn(NAME, unreachable + " addresses are owned by unreachable peers: " + owners,
                    "'weft rmpeer PEER' for each one gone for good (only those: one that comes back loses what was handed out meanwhile)"));
        }
        if (findings.isEmpty()) {
            findings.add(Finding.ok(NAME, "ready: " + ipam.allocations() + " allocated here, " + ipam.free() + " free"));
        }
        return findings;
    }
}
