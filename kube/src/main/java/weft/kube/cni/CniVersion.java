package weft.kube.cni;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The CNI specification versions {@code weft-net} speaks, and which of them a network configuration asks for. A
 * configuration names its version in {@code cniVersion} and may list more in {@code cniVersions}; the highest of those
 * that we speak wins (spec 1.1.0, "version considerations"). Results before 1.0.0 carry {@code "version": "4"} in
 * each IP; the rest of their shape is the same from 0.3.0 on. Stateless.
 */
final class CniVersion {
    /** Oldest first, as VERSION lists them. */
    static final List<String> SUPPORTED = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");

    private CniVersion() {
    }

    /** The highest version of {@code offered} that we speak, if any. */
    static Optional<String> choose(Collection<String> offered) {
        return offered.stream().filter(SUPPORTED::contains).max(CniVersion::compare);
    }

    /** Whether {@code version} is {@code minimum} or later (both of the form a.b.c). */
    static boolean atLeast(String version, String minimum) {
        return compare(version, minimum) >= 0;
    }

    /** Whether results in {@code version} give each IP its family ({@code "version": "4"}), as 0.3.x and 0.4.0 do. */
    static boolean ipsCarryFamily(String version) {
        return !atLeast(version, "1.0.0");
    }

    /** Orders versions a.b.c numerically; one that is not of that form sorts before every one that is. */
    static int compare(String a, String b) {
        int[] x = parts(a), y = parts(b);
        for (int i = 0; i < 3; i++) {
            if (x[i] != y[i]) return Integer.compare(x[i], y[i]);
        }
        return 0;
    }

    private static int[] parts(String version) {
        String[] pieces = version == null ? new String[0] : version.split("\\.", -1);
        if (pieces.length != 3) return new int[]{-1, -1, -1};
        int[] parts = new int[3];
        for (int i = 0; i < 3; i++) {
            if (pieces[i].isEmpty() || pieces[i].length() > 6 || !pieces[i].chars().allMatch(Character::isDigit)) return new int[]{-1, -1, -1};
            parts[i] = Integer.parseInt(pieces[i]);
        }
        return parts;
    }
}
