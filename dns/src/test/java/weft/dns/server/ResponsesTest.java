package weft.dns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponsesTest {
    private static final InetSocketAddress HERE = new InetSocketAddress(InetAddress.getLoopbackAddress(), 53);
    private static final InetSocketAddress THERE = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5353);

    private static Asked asked(String name, DnsRecordType type, int ednsSize) {
        return new Asked(42, DnsOpCode.QUERY, true, List.of(new DefaultDnsQuestion(name, type)), ednsSize);
    }

    private static List<Inet4Address> addresses(int count) {
        List<Inet4Address> addresses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            addresses.add((Inet4Address) InetAddress.ofLiteral("10.40." + (i / 256) + "." + (i % 256)));
        }
        return addresses;
    }

    /** The bytes Netty's encoder makes of {@code response}, which it releases. */
    private static int encodedSize(DnsResponse response) {
        EmbeddedChannel channel = new EmbeddedChannel(new DatagramResponseEncoder());
        channel.writeOutbound(response);
        DatagramPacket packet = channel.readOutbound();
        try {
            return packet.content().readableBytes();
        } finally {
            packet.release();
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aTruncatedAnswerIsTheMostWholeRecordsThatFit() {
        for (int ednsSize : new int[] {Asked.NO_EDNS, 512, 1232, 4096}) {
            Asked asked = asked("Many.weft.local.", DnsRecordType.A, ednsSize);
            Decision.Local local = new Decision.Local(DnsResponseCode.NOERROR, true, addresses(300), List.of());
            int limit = Responses.udpLimit(asked);
            DnsResponse response = Responses.fill(new DatagramDnsResponse(HERE, THERE, 42), asked, local, 1, limit);
            assertTrue(response.isTruncated());
            int records = response.count(DnsSection.ANSWER);
            int size = encodedSize(response);
            assertTrue(size <= limit, size + " > " + limit);
            assertTrue(size + WireSize.addressRecord("Many.weft.local.") > limit, "one more would have fitted");
            assertTrue(records > 0);
        }
    }

    @Test
    void wireSizesAreWhatTheEncoderWrites() {
        Asked asked = asked("9.0.32.10.in-addr.arpa.", DnsRecordType.PTR, 4096);
        Decision.Local local = new Decision.Local(DnsResponseCode.NOERROR, true, List.of(),
                List.of("web.weft.local.", "a-much-longer-name.weft.local."));
        DnsResponse response = Responses.fill(new DatagramDnsResponse(HERE, THERE, 42), asked, local, 1, 4096);
        assertFalse(response.isTruncated());
        int expected = WireSize.HEADER + WireSize.question("9.0.32.10.in-addr.arpa.") + WireSize.OPT
                + WireSize.pointerRecord("9.0.32.10.in-addr.arpa.", "web.weft.local.")
                + WireSize.pointerRecord("9.0.32.10.in-addr.arpa.", "a-much-longer-name.weft.local.");
        assertEquals(expected, encodedSize(response));
    }

    @Test
    void udpLimitIs512WithoutEdnsAndTheClientsSizeWithinBounds() {
        assertEquals(512, Responses.udpLimit(asked("a.", DnsRecordType.A, Asked.NO_EDNS)));
        assertEquals(512, Responses.udpLimit(asked("a.", DnsRecordType.A, 100)));
        assertEquals(1232, Responses.udpLimit(asked("a.", DnsRecordType.A, 1232)));
        assertEquals(4096, Responses.udpLimit(asked("a.", DnsRecordType.A, 65_000)));
    }

    @Test
    void settingsAreValidatedAndTheDomainNormalised() {
        DnsSettings defaults = DnsSettings.defaults();
        assertEquals("weft.local.", defaults.domain());
        DnsSettings upper = new DnsSettings(defaults.listen(), "Mesh.Example", defaults.ttl(), defaults.resolvConf(),
                defaults.upstreamTimeout(), 1, 1);
        assertEquals("mesh.example.", upper.domain());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new DnsSettings(
                defaults.listen(), "bad..domain", defaults.ttl(), defaults.resolvConf(), defaults.upstreamTimeout(),
                1, 1));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> defaults.withForwardLimits(10, 5));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> defaults.withUpstreamTimeout(java.time.Duration.ZERO));
    }

    @Test
    void anAnswerToSeveralQuestionsEchoesNone() {
        // compressed in a query, forty of these fit in 512 bytes; written back whole, they would take 3 KB
        DefaultDnsQuestion question = new DefaultDnsQuestion("x".repeat(63) + ".weft.local.", DnsRecordType.A);
        Asked asked = new Asked(42, DnsOpCode.QUERY, true, Collections.nCopies(40, question), Asked.NO_EDNS);
        DnsResponse response = Responses.fill(new DatagramDnsResponse(HERE, THERE, 42), asked,
                Decision.Local.empty(DnsResponseCode.FORMERR, false), 1, Responses.udpLimit(asked));
        assertEquals(0, response.count(DnsSection.QUESTION));
        assertEquals(WireSize.HEADER, encodedSize(response));
    }
}
