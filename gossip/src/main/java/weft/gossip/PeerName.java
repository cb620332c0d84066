package weft.gossip;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * A router's 48-bit name, written like a MAC address: {@code 7a:31:c4:02:9e:0e}.
 *
 * <p>Names made here have the locally-administered bit set and the multicast bit clear, so they can
 * never be mistaken for a vendor MAC or a group address; parsed names are taken as given. Ordered by
 * their unsigned 48-bit value, which is also the order of their text form.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param value the name in the low 48 bits; the high 16 bits are zero
 */
public record PeerName(long value) implements Comparable<PeerName> {
    /** Bytes in a name. */
    public static final int BYTES = 6;
    private static final long MASK = (1L << 48) - 1;
    // Bits of the first (most significant) byte, as in an Ethernet address.
    private static final long LOCALLY_ADMINISTERED = 0x02L << 40;
    private static final long MULTICAST = 0x01L << 40;
    private static final String MACHINE_ID_PREFIX = "weft peer name v1:";

    public PeerName {
        if ((value & ~MASK) != 0) {
            throw new IllegalArgumentException("peer name needs more than 48 bits: 0x" + Long.toHexString(value));
        }
    }

    /**
     * Parses {@code aa:bb:cc:dd:ee:ff}: six groups of one or two hex digits, upper or lower case.
     *
     * @throws IllegalArgumentException naming the input and what is wrong with it
     */
    public static PeerName parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("peer name is empty; expected six hex bytes like 7a:31:c4:02:9e:0e");
        }
        String[] groups = text.split(":", -1);
        if (groups.length != BYTES) {
            throw new IllegalArgumentException("peer name '" + text + "' has " + groups.length
                    + " groups; expected six hex bytes like 7a:31:c4:02:9e:0e");
        }
        long value = 0;
        for (String group : groups) {
            if (group.isEmpty() || group.length() > 2 || !isHex(group)) {
                throw new IllegalArgumentException("peer name '" + text + "' has a bad group '" + group
                        + "'; each group is one or two hex digits");
            }
            value = (value << 8) | Integer.parseInt(group, 16);
        }
        return new PeerName(value);
    }

    /** A fresh random name, locally administered and unicast. */
    public static PeerName random(RandomGenerator random) {
        return local(random.nextLong());
    }

    /**
     * The name derived from a machine id (the contents of {@code /etc/machine-id}): the same machine
     * id always gives the same name, so a reinstalled data directory keeps the host's name.
     */
    public static PeerName fromMachineId(String machineId) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
        byte[] digest = sha256.digest((MACHINE_ID_PREFIX + machineId.strip()).getBytes(StandardCharsets.UTF_8));
        long value = 0;
        for (int i = 0; i < BYTES; i++) {
            value = (value << 8) | (digest[i] & 0xff);
        }
        return local(value);
    }

    private static PeerName local(long bits) {
        return new PeerName(((bits & MASK) | LOCALLY_ADMINISTERED) & ~MULTICAST);
    }

    private static boolean isHex(String group) {
        for (int i = 0; i < group.length(); i++) {
            char c = group.charAt(i);
            // ASCII only: Character.digit would also accept other scripts' digits
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int compareTo(PeerName other) {
        return Long.compare(value, other.value); // both are non-negative 48-bit values
    }

    /** How logs and status name a peer: {@code name(nickname)}. */
    public String label(String nickname) {
        return this + "(" + nickname + ")";
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(new byte[] {
            (byte) (value >>> 40), (byte) (value >>> 32), (byte) (value >>> 24),
            (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
    }
}
