package weft.gossip.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import weft.gossip.wire.Decoding;
import weft.gossip.PeerName;

class TopologyCodecTest {
    static TopologyMessage randomMessage(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return switch (random.nextInt(4)) {
            case 0 -> {
                List<PeerRecord> records = new ArrayList<>();
                for (int i = random.nextInt(5); i > 0; i--) {
                    List<PeerLink> links = new ArrayList<>();
                    for (int j = random.nextInt(4); j > 0; j--) {
                        links.add(new PeerLink(PeerName.random(random), "10.0." + random.nextInt(256) + ".1:6783",
                                random.nextBoolean(), random.nextBoolean()));
                    }
                    records.add(new PeerRecord(PeerName.random(random), "höst-" + random.nextInt(), random.nextLong(),
                            1 + random.nextLong(Long.MAX_VALUE - 1), random.nextInt(4096), links));
                }
                yield new TopologyMessage.Update(records);
            }
            case 1 -> new TopologyMessage.Summary(random.nextLong(), random.nextInt(65536));
            case 2 -> {
                List<DigestEntry> entries = new ArrayList<>();
                for (int i = random.nextInt(5); i > 0; i--) {
                    entries.add(new DigestEntry(PeerName.random(random), random.nextLong(), random.nextLong()));
                }
                yield new TopologyMessage.Digest(entries);
            }
            default -> {
                List<PeerName> names = new ArrayList<>();
                for (int i = random.nextInt(5); i > 0; i--) {
                    names.add(PeerName.random(random));
                }
                yield new TopologyMessage.Request(names);
            }
        };
    }

    @Property(tries = 500)
    void shouldRoundTrip(@ForAll long seed) {
        TopologyMessage message = randomMessage(seed);
        assertEquals(new Decoding.Decoded<>(message), TopologyCodec.decode(TopologyCodec.encode(message)));
    }

    @Property(tries = 2000)
    void randomBytesShouldNeverThrow(@ForAll @Size(max = 200) byte[] bytes) {
        TopologyCodec.decode(bytes); // any result is fine; an exception fails the property
    }

    @Property(tries = 1000)
    void mutatedMessagesShouldNeverThrow(@ForAll long seed, @ForAll int position, @ForAll byte value, @ForAll int cut) {
        byte[] bytes = TopologyCodec.encode(randomMessage(seed));
        bytes[Math.floorMod(position, bytes.length)] = value;
        TopologyCodec.decode(java.util.Arrays.copyOf(bytes, Math.floorMod(cut, bytes.length + 1)));
    }

    @Test
    void shouldRefuseAForgedCountBeforeAllocating() {
        byte[] bytes = {1, 1, (byte) 0x0f, (byte) 0xff}; // an update claiming 4095 records in 0 bytes
        var result = assertInstanceOf(Decoding.Refused.class, TopologyCodec.decode(bytes));
        assertEquals("update claims 4095 records in 0 bytes", result.reason());
    }

    @Test
    void shouldRefuseTrailingBytesAndUnknownTypes() {
        assertInstanceOf(Decoding.Refused.class, TopologyCodec.decode(new byte[] {1, 4, 0, 0, 9}));
        assertInstanceOf(Decoding.Refused.class, TopologyCodec.decode(new byte[] {1, 9}));
        assertInstanceOf(Decoding.Refused.class, TopologyCodec.decode(new byte[] {2, 4, 0, 0}));
    }
}
