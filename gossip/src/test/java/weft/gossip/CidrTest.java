package weft.gossip;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CidrTest {
    @Test
    void parsesAndPrints() {
        Cidr cidr = Cidr.parse("10.32.1.5/12");
        assertEquals("10.32.1.5/12", cidr.toString());
        assertEquals("10.32.0.0/12", cidr.network().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.32.1.5", "10.32.1/12", "10.32.1.5/33", "10.32.1.256/12", "a.b.c.d/8", "10.32.1.5/12/1",
            "10.32.1.5/", "/12", "10..1.5/12", "1.2.3.4/-1", "1.2.3.4 /8", "0x1.2.3.4/8", "01234.1.1.1/8"})
    void rejectsMalformedTextWithAMessageNamingIt(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @Test
    void networkMembershipAndCover() {
        Cidr range = Cidr.parse("10.32.0.0/12");
        assertTrue(range.contains(Cidr.parse("10.47.255.255/32").address()));
        assertFalse(range.contains(Cidr.parse("10.48.0.0/32").address()));
        assertTrue(range.covers(Cidr.parse("10.32.1.0/24")));
        assertFalse(range.covers(Cidr.parse("10.0.0.0/8")));
    }

    @Test
    void hostAddressesExcludeNetworkAndBroadcast() {
        assertFalse(Cidr.parse("10.32.0.0/12").isHostAddress());
        assertFalse(Cidr.parse("10.47.255.255/12").isHostAddress());
        assertTrue(Cidr.parse("10.32.0.1/12").isHostAddress());
        assertTrue(Cidr.parse("10.32.0.0/31").isHostAddress());
        assertTrue(Cidr.parse("10.32.0.7/32").isHostAddress());
    }
}
