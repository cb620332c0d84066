package weft.dns;

import java.net.Inet4Address;
import java.util.Comparator;
import java.util.Locale;

/**
 * One name on the mesh: {@code name} has {@code address}, put there for {@code owner} (a container's id, or
 * {@link #EXTERNAL} for names given with {@code weft dns-add}), so that the names of a container go with it.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param name a fully qualified name in lower case with its trailing dot ({@link #qualify})
 */
public record NameRecord(String name, Inet4Address address, String owner) implements Comparable<NameRecord> {
    /** The owner of names that belong to no container. */
    public static final String EXTERNAL = "weft:extern";
    /** Bytes of an owner, at most: a container id is 64 hex digits; room for a pod's namespace/name/uid. */
    public static final int MAX_OWNER = 255;
    private static final int MAX_NAME = 253;
    private static final Comparator<NameRecord> ORDER = Comparator.comparing(NameRecord::name)
            .thenComparing(r -> Integer.toUnsignedLong(addressBits(r.address)))
            .thenComparing(NameRecord::owner);

    public NameRecord {
        String problem = nameProblem(name);
        if (problem != null) throw new IllegalArgumentException(problem);
        if (!name.endsWith(".") || !name.equals(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("name '" + name + "' is not qualified: lower case with a trailing dot");
        }
        if (owner.isEmpty() || owner.length() > MAX_OWNER || !owner.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("owner '" + owner + "' is not 1.." + MAX_OWNER + " printable ASCII characters");
        }
    }

    /**
     * {@code name} as stored: in lower case, with {@code domain} appended when it is a single label ({@code db} is
     * {@code db.weft.local.}), and the trailing dot.
     *
     * @param domain lower case with its trailing dot, e.g. {@code weft.local.}
     * @throws IllegalArgumentException saying what is wrong with the name
     */
    public static String qualify(String name, String domain) {
        String lower = name.toLowerCase(Locale.ROOT);
        String dotted = lower.endsWith(".") ? lower : lower + ".";
        String qualified = dotted.indexOf('.') == dotted.length() - 1 ? dotted + domain : dotted;
        String problem = nameProblem(qualified);
        if (problem != null) throw new IllegalArgumentException(problem);
        return qualified;
    }

    /** Why {@code name} (with its trailing dot) is not a host name we store, or null when it is one. */
    private static String nameProblem(String name) {
        if (name.length() < 2 || name.length() > MAX_NAME + 1) {
            return "name '" + name + "' is not 1.." + MAX_NAME + " characters";
        }
        if (!name.endsWith(".")) return "name '" + name + "' has no trailing dot";
        for (String label : name.substring(0, name.length() - 1).split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                return "name '" + name + "' has a label of " + label.length() + " characters; each must have 1..63";
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean letterOrDigit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                if (!letterOrDigit && c != '-' && c != '_') {
                    return "name '" + name + "' has '" + c + "'; a name has letters, digits, '-' and '_' between its dots";
                }
            }
        }
        return null;
    }

    static int addressBits(Inet4Address address) {
        byte[] b = address.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    @Override
    public int compareTo(NameRecord other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return name + " " + address.getHostAddress() + " (" + owner + ")";
    }
}
