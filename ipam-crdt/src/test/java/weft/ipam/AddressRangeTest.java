package weft.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AddressRangeTest {
    @Test
    void shouldParseTheDefaultRange() {
        AddressRange r = AddressRange.parse("10.32.0.0/12");
        assertEquals(AddressRange.parseAddress("10.32.0.0"), r.start());
        assertEquals(1 << 20, r.size());
        assertEquals(12, r.prefixLength());
        assertEquals("10.32.0.0/12", r.toString());
        assertEquals(new AddressRange(r.start() + 1, r.end() - 1), r.hosts());
    }

    @Test
    void shouldRefuseBadCidrs() {
        for (String bad : new String[] {"10.32.0.1/12", "10.32.0.0", "10.32.0/12", "10.32.0.256/24", "1.2.3.4/33", "a.b.c.d/8"}) {
            assertThrows(IllegalArgumentException.class, () -> AddressRange.parse(bad), bad);
        }
    }

    @Test
    void shouldWriteNonCidrRangesWithInclusiveEnd() {
        AddressRange r = new AddressRange(AddressRange.parseAddress("10.0.0.1"), AddressRange.parseAddress("10.0.0.4"));
        assertEquals("10.0.0.1-10.0.0.3", r.toString());
        assertEquals(-1, r.prefixLength());
        assertEquals(r, r.hosts());
    }

    @Test
    void shouldHandleTheTopOfTheAddressSpace() {
        AddressRange all = AddressRange.parse("0.0.0.0/0");
        assertEquals(AddressRange.SPACE, all.size());
        assertTrue(all.contains(AddressRange.parseAddress("255.255.255.255")));
        assertEquals("255.255.255.255", AddressRange.format(AddressRange.SPACE - 1));
    }
}
