package weft.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PeerNameTest {
    @Test
    void shouldRoundTripThroughText() {
        PeerName name = PeerName.parse("7a:31:c4:02:9e:0e");
        assertEquals(0x7a31c4029e0eL, name.value());
        assertEquals("7a:31:c4:02:9e:0e", name.toString());
        assertEquals(name, PeerName.parse(name.toString()));
    }

    @Test
    void shouldAcceptUpperCaseAndSingleDigitGroups() {
        assertEquals(PeerName.parse("0a:0b:00:01:ff:fe"), PeerName.parse("A:B:0:1:FF:fe"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                       | peer name is empty",
        "7a:31:c4:02:9e           | has 5 groups",
        "7a:31:c4:02:9e:0e:01     | has 7 groups",
        "7a:31:c4:02:9e:0g        | bad group '0g'",
        "7a:31:c4:02:9e:123       | bad group '123'",
        "7a:31::02:9e:0e          | bad group ''",
        "7a:31:c4:02:9e:+1        | bad group '+1'",
        "7a:31:c4:02:9e:٣         | bad group '٣'",
    })
    void shouldRejectBadTextSayingWhy(String text, String expected) {
        var e = assertThrows(IllegalArgumentException.class, () -> PeerName.parse(text));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void shouldOrderByValue() {
        assertTrue(PeerName.parse("00:00:00:00:00:01").compareTo(PeerName.parse("ff:00:00:00:00:00")) < 0);
    }

    @Test
    void shouldMakeRandomNamesLocallyAdministeredAndUnicast() {
        var random = new SplittableRandom(42);
        for (int i = 0; i < 1000; i++) {
            long first = PeerName.random(random).value() >>> 40;
            assertEquals(0x02, first & 0x03, "local bit set, multicast bit clear");
        }
    }

    @Test
    void shouldDeriveTheSameNameFromTheSameMachineId() {
        PeerName a = PeerName.fromMachineId("4c4c4544003957108052b4c04f384833");
        assertEquals(a, PeerName.fromMachineId("4c4c4544003957108052b4c04f384833\n"));
        assertNotEquals(a, PeerName.fromMachineId("4c4c4544003957108052b4c04f384834"));
        assertEquals(0x02, (a.value() >>> 40) & 0x03);
    }
}
