package weft.dns.server;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsPtrRecord;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.Inet4Address;

/**
 * Fills the responses built here (not relayed from upstream): header flags, the question echoed, the answer records
 * cut to the size the client can take, and an OPT record when the client sent one. No I/O, no state.
 */
final class Responses {
    /** The UDP payload size we advertise, and the most we put in one UDP answer whatever the client offers. */
    static final int MAX_UDP_SIZE = 4096;
    /** What a UDP client without EDNS0 can take (RFC 1035), and the least an EDNS0 one may say (RFC 6891). */
    static final int PLAIN_UDP_SIZE = 512;

    private Responses() {
    }

    /** The most a UDP answer to {@code asked} may take. */
    static int udpLimit(Asked asked) {
        if (asked.ednsSize() == Asked.NO_EDNS) {
            return PLAIN_UDP_SIZE;
        }
        return Math.clamp(asked.ednsSize(), PLAIN_UDP_SIZE, MAX_UDP_SIZE);
    }

    /**
     * Fills {@code response} (fresh, with the client's ID) with {@code local}; when the answer records do not all
     * fit in {@code sizeLimit} bytes, as many whole ones as fit go in and TC is set.
     */
    static DnsResponse fill(DnsResponse response, Asked asked, Decision.Local local, long ttlSeconds,
                            int sizeLimit) {
        int size = header(response, asked, local.code());
        response.setAuthoritativeAnswer(local.authoritative());
        if (asked.questions().size() != 1) {
            return response; // FORMERR: nothing to name the answers after
        }
        String name = asked.questions().getFirst().name();
        for (Inet4Address address : local.addresses()) {
            size += WireSize.addressRecord(name);
            if (size > sizeLimit) {
                return response.setTruncated(true);
            }
            response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(name, DnsRecordType.A, ttlSeconds,
                    Unpooled.wrappedBuffer(address.getAddress())));
        }
        for (String target : local.pointers()) {
            size += WireSize.pointerRecord(name, target);
            if (size > sizeLimit) {
                return response.setTruncated(true);
            }
            response.addRecord(DnsSection.ANSWER, new DefaultDnsPtrRecord(name, DnsRecord.CLASS_IN, ttlSeconds, target));
        }
        return response;
    }

    /** Fills {@code response} (fresh, with the client's ID) with a bare {@code code}: for load, or upstream failure. */
    static DnsResponse failure(DnsResponse response, Asked asked, DnsResponseCode code) {
        header(response, asked, code);
        return response;
    }

    /**
     * Sets the header, echoes the question (when there is one) and the OPT record; returns the size so far, the OPT
     * record included.
     */
    private static int header(DnsResponse response, Asked asked, DnsResponseCode code) {
        response.setOpCode(asked.opCode());
        response.setCode(code);
        response.setRecursionDesired(asked.recursionDesired());
        response.setRecursionAvailable(true);
        int size = WireSize.HEADER;
        // not several: names compressed in the query go out whole, so echoing many would make a small query a large
        // answer, past what the client can take (and an amplifier for a forged sender)
        if (asked.questions().size() == 1) {
            DnsQuestion question = asked.questions().getFirst();
            response.addRecord(DnsSection.QUESTION, question);
            size += WireSize.question(question.name());
        }
        if (asked.ednsSize() != Asked.NO_EDNS) {
            response.addRecord(DnsSection.ADDITIONAL, new OptRecord(MAX_UDP_SIZE));
            size += WireSize.OPT;
        }
        return size;
    }
}
