package weft.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether this process may do what a router does to the network — create the bridge and links, bind the sleeve's
 * raw sockets, enter namespaces — told from the effective capabilities in {@code /proc/self/status}, so that a
 * launch without them says so at once instead of failing at its first netlink call with "Operation not permitted".
 * Stateless.
 */
final class Privileges {
    static final int CAP_NET_ADMIN = 12;
    static final int CAP_NET_RAW = 13;
    static final int CAP_SYS_ADMIN = 21;

    private Privileges() {
    }

    /** Why a router cannot run with the capabilities {@code status} (the text of /proc/self/status) shows; empty if it can. */
    static Optional<String> missing(String status) {
        long effective = -1;
        for (String line : status.split("\n")) {
            if (line.startsWith("CapEff:")) {
                try {
                    effective = Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
                } catch (NumberFormatException e) {
                    return Optional.empty(); // cannot be told: let the kernel answer
                }
            }
        }
        if (effective == -1) return Optional.empty();
        StringBuilder lacking = new StringBuilder();
        for (int cap : new int[]{CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN}) {
            if ((effective & (1L << cap)) == 0) {
                lacking.append(lacking.isEmpty() ? "" : ", ").append(switch (cap) {
                    case CAP_NET_ADMIN -> "CAP_NET_ADMIN";
                    case CAP_NET_RAW -> "CAP_NET_RAW";
                    default -> "CAP_SYS_ADMIN";
                });
            }
        }
        return lacking.isEmpty() ? Optional.empty() : Optional.of("the router needs root (or " + lacking
                + ") to create its bridge and links and to enter containers' namespaces; run it with sudo");
    }

    /** {@link #missing(String)} for this process; empty when /proc cannot be read (the kernel then says what is wrong). */
    static Optional<String> missingHere() {
        try {
            return missing(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
