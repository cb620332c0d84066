package weft.cli.doctor;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the kernel's socket tables, {@code /proc/net/tcp}, {@code tcp6}, {@code udp} and {@code udp6}, for the sockets
 * bound to some ports. A line it cannot read is skipped: the tables are the kernel's, and a format it does not know
 * must not stop the doctor. Stateless.
 */
final class ProcNetSockets {
    /** The {@code st} column of a listening TCP socket. */
    private static final String TCP_LISTEN = "0A";

    private ProcNetSockets() {
    }

    /**
     * The sockets of {@code table} (the text of one of the files; {@code protocol} {@code tcp} or {@code udp}) bound to
     * one of {@code ports}: for TCP only listening ones, since accepted connections share the port. Their holders are
     * not known yet ({@link PortHolder#UNKNOWN}), but for inode 0, which only the kernel's own sockets have.
     */
    static List<PortHolder> parse(String table, String protocol, Set<Integer> ports) {
        List<PortHolder> found = new ArrayList<>();
        for (String line : table.split("\n")) {
            String[] fields = line.strip().split("\\s+");
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            if (fields.length < 10 || !fields[0].endsWith(":")) continue;
            int colon = fields[1].lastIndexOf(':');
            if (colon < 0) continue;
            int port;
            long inode;
            try {
                port = Integer.parseInt(fields[1].substring(colon + 1), 16);
                inode = Long.parseLong(fields[9]);
            } catch (NumberFormatException e) {
                continue; // not a socket line (the header, or a format of another kernel): see above
            }
            if (!ports.contains(port)) continue;
            if (protocol.equals("tcp") && !fields[3].equals(TCP_LISTEN)) continue;
            found.add(new PortHolder(protocol, address(fields[1].substring(0, colon)), port, inode,
                    inode == 0 ? PortHolder.KERNEL : PortHolder.UNKNOWN, ""));
        }
        return found;
    }

    /**
     * The address as the kernel prints it: an IPv4 address as one 32-bit word in host (little-endian) order, an IPv6
     * one as four such words; shown dotted, or IPv6 in full groups.
     */
    static String address(String hex) {
        try {
            if (hex.length() == 8) {
                long word = Long.parseLong(hex, 16);
                return (word & 0xff) + "." + (word >> 8 & 0xff) + "." + (word >> 16 & 0xff) + "." + (word >> 24 & 0xff);
            }
            if (hex.length() == 32) {
                StringBuilder text = new StringBuilder();
                for (int w = 0; w < 4; w++) {
                    long word = Long.parseLong(hex.substring(8 * w, 8 * w + 8), 16);
                    long bigEndian = Long.reverseBytes(word) >>> 32;
                    text.append(w == 0 ? "" : ":").append(Long.toHexString(bigEndian >>> 16)).append(':').append(Long.toHexString(bigEndian & 0xffff));
                }
                return text.toString().equals("0:0:0:0:0:0:0:0") ? "::" : text.toString();
            }
        } catch (NumberFormatException e) {
            // fall through: shown as the kernel wrote it
        }
        return hex;
    }
}
