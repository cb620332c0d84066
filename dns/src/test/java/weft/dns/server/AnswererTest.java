package weft.dns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AnswererTest {
    private final Answerer answerer = new Answerer("weft.local.");
    private final MapNames names = new MapNames()
            .with("db.weft.local.", "10.32.0.1", "10.32.0.2", "10.32.0.3")
            .with("web.weft.local.", "10.32.0.9")
            .with("www.weft.local.", "10.32.0.9");

    private Decision decide(String name, DnsRecordType type) {
        return answerer.decide(asked(new DefaultDnsQuestion(name, type)), names);
    }

    private static Asked asked(DnsQuestion... questions) {
        return new Asked(7, DnsOpCode.QUERY, true, List.of(questions), Asked.NO_EDNS);
    }

    @Test
    void aForAKnownNameIsEveryAddressAuthoritatively() {
        Decision.Local local = assertInstanceOf(Decision.Local.class, decide("db.weft.local.", DnsRecordType.A));
        assertEquals(DnsResponseCode.NOERROR, local.code());
        assertTrue(local.authoritative());
        assertEquals(Set.of(ip("10.32.0.1"), ip("10.32.0.2"), ip("10.32.0.3")), new HashSet<>(local.addresses()));
        assertEquals(3, local.addresses().size());
    }

    @Test
    void addressesAreShuffledFromAnswerToAnswer() {
        Set<InetAddress> firsts = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            Decision.Local local = (Decision.Local) decide("db.weft.local.", DnsRecordType.A);
            firsts.add(local.addresses().getFirst());
        }
        assertEquals(3, firsts.size(), "each address comes first some of the time");
    }

    @Test
    void aSingleLabelNameIsCompletedWithTheDomain() {
        Decision.Local local = assertInstanceOf(Decision.Local.class, decide("web.", DnsRecordType.A));
        assertEquals(List.of(ip("10.32.0.9")), local.addresses());
    }

    @Test
    void namesAreMatchedWhateverTheirCase() {
        Decision.Local local = assertInstanceOf(Decision.Local.class, decide("WeB.Weft.LOCAL.", DnsRecordType.A));
        assertEquals(List.of(ip("10.32.0.9")), local.addresses());
    }

    @Test
    void anotherTypeOfAKnownNameIsAnEmptyNoError() {
        for (DnsRecordType type : List.of(DnsRecordType.AAAA, DnsRecordType.MX, DnsRecordType.TXT)) {
            Decision.Local local = assertInstanceOf(Decision.Local.class, decide("db.weft.local.", type));
            assertEquals(DnsResponseCode.NOERROR, local.code());
            assertTrue(local.addresses().isEmpty() && local.pointers().isEmpty());
            assertTrue(local.authoritative());
        }
    }

    @Test
    void anUnknownNameInTheDomainIsNxdomain() {
        Decision.Local local = assertInstanceOf(Decision.Local.class, decide("nope.weft.local.", DnsRecordType.A));
        assertEquals(DnsResponseCode.NXDOMAIN, local.code());
        assertTrue(local.authoritative());
    }

    @Test
    void aSingleLabelTheMeshDoesNotHaveIsATopLevelNameForUpstream() {
        assertInstanceOf(Decision.Forward.class, decide("nope.", DnsRecordType.AAAA));
        assertInstanceOf(Decision.Forward.class, decide("com.", DnsRecordType.NS), "a validating resolver's question about a TLD");
    }

    @Test
    void ptrOfAMeshAddressNamesEveryNameWithIt() {
        Decision.Local local = assertInstanceOf(Decision.Local.class,
                decide("9.0.32.10.in-addr.arpa.", DnsRecordType.PTR));
        assertEquals(List.of("web.weft.local.", "www.weft.local."), local.pointers());
        assertTrue(local.authoritative());
    }

    @Test
    void whatIsNotOursIsForwarded() {
        assertInstanceOf(Decision.Forward.class, decide("example.com.", DnsRecordType.A));
        assertInstanceOf(Decision.Forward.class, decide("db.weft.local.evil.", DnsRecordType.A));
        assertInstanceOf(Decision.Forward.class, decide("1.1.168.192.in-addr.arpa.", DnsRecordType.PTR));
        assertInstanceOf(Decision.Forward.class, decide("x.0.32.10.in-addr.arpa.", DnsRecordType.PTR));
        assertInstanceOf(Decision.Forward.class, decide("9.0.32.10.in-addr.arpa.", DnsRecordType.A));
        assertInstanceOf(Decision.Forward.class, decide(".", DnsRecordType.NS));
    }

    @Test
    void otherOpcodesAreNotImplementedAndQuestionCountsOtherThanOneAreFormatErrors() {
        Asked status = new Asked(1, DnsOpCode.STATUS, false, List.of(), Asked.NO_EDNS);
        assertEquals(DnsResponseCode.NOTIMP, ((Decision.Local) answerer.decide(status, names)).code());
        assertEquals(DnsResponseCode.FORMERR, ((Decision.Local) answerer.decide(asked(), names)).code());
        DnsQuestion q = new DefaultDnsQuestion("db.weft.local.", DnsRecordType.A);
        assertEquals(DnsResponseCode.FORMERR, ((Decision.Local) answerer.decide(asked(q, q), names)).code());
    }

    private static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }
}
