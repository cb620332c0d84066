package weft.gossip.wire;

import weft.gossip.PeerName;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.OptionalInt;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class HelloTest {
    static final Hello HELLO = new Hello(VersionRange.SUPPORTED, PeerName.parse("7a:31:c4:02:9e:0e"),
            0x1122334455667788L, -5L, 6783, "host-b ✓");

    static Decoding<Hello> decode(ByteBuf buf) {
        try {
            return Hello.decode(buf, VersionRange.SUPPORTED);
        } finally {
            buf.release();
        }
    }

    static String refusal(Decoding<Hello> decoding) {
        return switch (decoding) {
            case Decoding.Refused<Hello>(String reason) -> reason;
            case Decoding.Decoded<Hello>(Hello hello) -> throw new AssertionError("accepted " + hello);
        };
    }

    @Test
    void shouldRoundTrip() {
        assertEquals(new Decoding.Decoded<>(HELLO), decode(HELLO.encode(UnpooledByteBufAllocator.DEFAULT)));
    }

    @Test
    void shouldAgreeOnTheHighestCommonVersionEitherWay() {
        var a = new VersionRange(1, 3);
        var b = new VersionRange(2, 5);
        assertEquals(OptionalInt.of(3), a.agree(b));
        assertEquals(OptionalInt.of(3), b.agree(a));
        assertEquals(OptionalInt.empty(), new VersionRange(1, 1).agree(new VersionRange(2, 2)));
        assertEquals(OptionalInt.empty(), new VersionRange(2, 2).agree(new VersionRange(1, 1)));
    }

    @Test
    void shouldRefuseAPeerWithNoCommonVersionWhateverFollows() {
        ByteBuf buf = HELLO.encode(UnpooledByteBufAllocator.DEFAULT);
        buf.setByte(Hello.VERSIONS_OFFSET, 6).setByte(Hello.VERSIONS_OFFSET + 1, 7);
        assertEquals("no common protocol version: we speak 3..5, peer speaks 6..7", refusal(decode(buf)));
    }

    @Test
    void shouldRefuseARouterFromBeforeTheSleeveDatagramChanged() {
        ByteBuf buf = HELLO.encode(UnpooledByteBufAllocator.DEFAULT);
        buf.setByte(Hello.VERSIONS_OFFSET, 2).setByte(Hello.VERSIONS_OFFSET + 1, 2);
        assertEquals("no common protocol version: we speak 3..5, peer speaks 2..2", refusal(decode(buf)));
    }

    @Test
    void shouldAcceptAPeerWhoseRangeIncludesOurs() {
        ByteBuf buf = HELLO.encode(UnpooledByteBufAllocator.DEFAULT);
        buf.setByte(Hello.VERSIONS_OFFSET + 1, 4);
        assertTrue(decode(buf) instanceof Decoding.Decoded<Hello>);
    }

    @Test
    void shouldRefuseTruncatedTrailingAndBadMagic() {
        ByteBuf whole = HELLO.encode(UnpooledByteBufAllocator.DEFAULT);
        int length = whole.readableBytes();
        assertEquals("truncated hello: 10 bytes", refusal(decode(whole.retainedSlice(0, 10))));
        assertTrue(refusal(decode(whole.retainedSlice(0, length - 1))).startsWith("truncated hello: nickname"));
        ByteBuf longer = Unpooled.buffer().writeBytes(whole, 0, length).writeByte(0);
        assertEquals("hello has 1 trailing bytes", refusal(decode(longer)));
        assertEquals("not a weft hello (bad magic)", refusal(decode(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n"
                + "x".repeat(40), java.nio.charset.StandardCharsets.US_ASCII))));
        whole.release();
    }

    @Test
    void shouldRefuseANicknameThatIsNotUtf8() {
        ByteBuf buf = HELLO.encode(UnpooledByteBufAllocator.DEFAULT);
        buf.setByte(Hello.NICKNAME_OFFSET, 0xff);
        assertEquals("hello nickname is not UTF-8", refusal(decode(buf)));
    }

    static final Hello SECURE = new Hello(VersionRange.SUPPORTED, PeerName.parse("7a:31:c4:02:9e:0e"),
            0x1122334455667788L, -5L, 6783, "host-b", true, new byte[] {
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                29, 30, 31, 32});

    @Test
    void shouldRoundTripFlagsAndThePublicKey() {
        ByteBuf encoded = SECURE.encode(UnpooledByteBufAllocator.DEFAULT);
        assertEquals(Hello.FLAG_PASSWORD | Hello.FLAG_TRUSTS_YOU, encoded.getUnsignedByte(Hello.FLAGS_OFFSET));
        assertEquals(new Decoding.Decoded<>(SECURE), decode(encoded));
        Hello trustOnly = new Hello(VersionRange.SUPPORTED, HELLO.name(), 1, 2, 3, "t", true, new byte[0]);
        assertEquals(new Decoding.Decoded<>(trustOnly), decode(trustOnly.encode(UnpooledByteBufAllocator.DEFAULT)));
    }

    @Test
    void shouldRefuseAMissingKeyAndUnknownFlags() {
        ByteBuf encoded = SECURE.encode(UnpooledByteBufAllocator.DEFAULT);
        int length = encoded.readableBytes();
        assertEquals("truncated hello: public key of 31 bytes, expected 32",
                refusal(decode(encoded.retainedSlice(0, length - 1))));
        ByteBuf flagged = HELLO.encode(UnpooledByteBufAllocator.DEFAULT);
        flagged.setByte(Hello.FLAGS_OFFSET, 0x04);
        assertEquals("hello with unknown flags 0x4", refusal(decode(flagged)));
        ByteBuf stripped = SECURE.encode(UnpooledByteBufAllocator.DEFAULT);
        stripped.setByte(Hello.FLAGS_OFFSET, Hello.FLAG_TRUSTS_YOU); // the key is now trailing garbage
        assertEquals("hello has 32 trailing bytes", refusal(decode(stripped)));
        encoded.release();
    }

    @Property(seed = "20250101")
    void shouldNeverThrowOnMutatedSecureHellos(@ForAll @Size(min = 1, max = 8) int[] positions, @ForAll byte value,
            @ForAll @Size(max = 40) byte[] tail) {
        ByteBuf encoded = SECURE.encode(UnpooledByteBufAllocator.DEFAULT);
        ByteBuf buf = Unpooled.buffer().writeBytes(encoded);
        encoded.release();
        for (int position : positions) {
            buf.setByte(Math.floorMod(position, buf.readableBytes()), value);
        }
        buf.writeBytes(tail);
        decode(buf);
    }

    @Property(seed = "20250101")
    void shouldNeverThrowOnRandomBytes(@ForAll @Size(max = 100) byte[] bytes) {
        decode(Unpooled.wrappedBuffer(bytes)); // any result will do; throwing fails the property
    }

    @Property(seed = "20250101")
    void shouldNeverThrowOnMutatedHellos(@ForAll @Size(min = 1, max = 8) int[] positions, @ForAll byte value) {
        ByteBuf buf = HELLO.encode(UnpooledByteBufAllocator.DEFAULT);
        for (int position : positions) {
            buf.setByte(Math.floorMod(position, buf.readableBytes()), value);
        }
        decode(buf);
    }
}
