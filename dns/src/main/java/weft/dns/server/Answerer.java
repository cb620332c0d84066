package weft.dns.server;

import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import weft.dns.NameLookup;

/**
 * Decides what to answer for a query, the way weaveDNS did: names in our domain (and single-label names, completed
 * with it) are answered from the mesh's names, authoritatively; reverse lookups of mesh addresses too; everything
 * else goes upstream. Pure: no I/O, no state beyond the domain.
 */
final class Answerer {
    private static final String REVERSE_SUFFIX = ".in-addr.arpa.";

    private final String domain;

    /** @param domain lower case, with the trailing dot */
    Answerer(String domain) {
        this.domain = domain;
    }

    Decision decide(Asked asked, NameLookup names) {
        if (!DnsOpCode.QUERY.equals(asked.opCode())) {
            return Decision.Local.empty(DnsResponseCode.NOTIMP, false);
        }
        if (asked.questions().size() != 1) {
            return Decision.Local.empty(DnsResponseCode.FORMERR, false);
        }
        DnsQuestion question = asked.questions().getFirst();
        if (question.dnsClass() != DnsRecord.CLASS_IN) {
            return new Decision.Forward(); // CHAOS and friends are the upstream's business
        }
        String name = question.name().toLowerCase(Locale.ROOT);
        if (isSingleLabel(name)) {
            // weaveDNS completed bare container names with its domain; one the mesh does not have is a top-level
            // name (com., a DS or NS query of a validating resolver), the upstream's to answer
            if (names.addresses(name + domain).isEmpty()) return new Decision.Forward();
            name = name + domain;
        }
        if (name.equals(domain)) {
            // the domain has names below it, so it exists: NXDOMAIN would tell caches there is nothing below
            return Decision.Local.empty(DnsResponseCode.NOERROR, true);
        }
        if (name.endsWith("." + domain)) {
            return forName(name, question.type(), names);
        }
        if (question.type() == DnsRecordType.PTR && name.endsWith(REVERSE_SUFFIX)) {
            return forReverse(name, names);
        }
        return new Decision.Forward();
    }

    private static Decision forName(String name, DnsRecordType type, NameLookup names) {
        List<Inet4Address> addresses = names.addresses(name);
        if (addresses.isEmpty()) {
            return Decision.Local.empty(DnsResponseCode.NXDOMAIN, true);
        }
        if (type != DnsRecordType.A && type != DnsRecordType.ANY) {
            return Decision.Local.empty(DnsResponseCode.NOERROR, true); // the name exists, without that type
        }
        List<Inet4Address> shuffled = new ArrayList<>(addresses);
        // clients mostly take the first address: a new order each time spreads them over the containers
        Collections.shuffle(shuffled, ThreadLocalRandom.current());
        return new Decision.Local(DnsResponseCode.NOERROR, true, shuffled, List.of());
    }

    private static Decision forReverse(String name, NameLookup names) {
        Inet4Address address = reversedAddress(name.substring(0, name.length() - REVERSE_SUFFIX.length()));
        if (address == null) {
            return new Decision.Forward();
        }
        List<String> pointed = names.names(address);
        if (pointed.isEmpty()) {
            return new Decision.Forward(); // someone else's address: upstream may know it
        }
        return new Decision.Local(DnsResponseCode.NOERROR, true, List.of(), pointed);
    }

    private static boolean isSingleLabel(String name) {
        return name.length() > 1 && name.indexOf('.') == name.length() - 1;
    }

    /** The address {@code d.c.b.a} stands for, or null when it is not four decimal octets. */
    private static Inet4Address reversedAddress(String reversed) {
        String[] octets = reversed.split("\\.", -1);
        if (octets.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String octet = octets[3 - i];
            if (octet.isEmpty() || octet.length() > 3 || !octet.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int value = Integer.parseInt(octet);
            if (value > 255) {
                return null;
            }
            bytes[i] = (byte) value;
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(bytes);
        } catch (UnknownHostException impossible) {
            throw new AssertionError("four bytes are always an address", impossible);
        }
    }
}
