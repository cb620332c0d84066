package weft.dns.server;

import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsSection;
import java.util.ArrayList;
import java.util.List;

/**
 * What a client asked, taken out of the decoded query so the query (and the buffers its records hold) can be
 * released at once; immutable.
 *
 * @param ednsSize the UDP payload size of the client's OPT record, or {@link #NO_EDNS} when it sent none
 */
record Asked(int id, DnsOpCode opCode, boolean recursionDesired, List<DnsQuestion> questions, int ednsSize) {
    static final int NO_EDNS = -1;

    Asked {
        questions = List.copyOf(questions);
    }

    static Asked of(DnsQuery query) {
        List<DnsQuestion> questions = new ArrayList<>();
        for (int i = 0; i < query.count(DnsSection.QUESTION); i++) {
            questions.add(query.recordAt(DnsSection.QUESTION, i));
        }
        int ednsSize = NO_EDNS;
        for (int i = 0; i < query.count(DnsSection.ADDITIONAL); i++) {
            DnsRecord record = query.recordAt(DnsSection.ADDITIONAL, i);
            if (record.type() == DnsRecordType.OPT) {
                ednsSize = record.dnsClass(); // an OPT record carries the payload size in its class field
            }
        }
        return new Asked(query.id(), query.opCode(), query.isRecursionDesired(), questions, ednsSize);
    }
}
