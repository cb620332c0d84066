package weft.dns.server;

/**
 * The encoded size of the parts of a response, as Netty's {@code DefaultDnsRecordEncoder} writes them (it does not
 * compress names), so an answer can be cut to the client's UDP size before it is encoded. Pure.
 */
final class WireSize {
    static final int HEADER = 12;
    /** An OPT record without options: the root name, then type, class, TTL and an empty RDATA length. */
    static final int OPT = 1 + 10;

    private WireSize() {
    }

    /** A name as the encoder writes it: each label with its length byte, up to the first empty label, then 0. */
    static int name(String name) {
        if (name.equals(".")) {
            return 1;
        }
        int size = 1;
        for (String label : name.split("\\.")) {
            if (label.isEmpty()) {
                break;
            }
            size += 1 + label.length();
        }
        return size;
    }

    static int question(String name) {
        return name(name) + 4;
    }

    static int addressRecord(String name) {
        return name(name) + 10 + 4;
    }

    static int pointerRecord(String name, String target) {
        return name(name) + 10 + name(target);
    }
}
