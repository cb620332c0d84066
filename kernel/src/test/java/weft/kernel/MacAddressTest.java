package weft.kernel;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MacAddressTest {
    @Test
    void roundTripsThroughTextAndOctets() {
        MacAddress mac = MacAddress.parse("02:42:ac:11:00:ff");
        assertEquals("02:42:ac:11:00:ff", mac.toString());
        assertArrayEquals(new byte[] {2, 0x42, (byte) 0xac, 0x11, 0, (byte) 0xff}, mac.octets());
        assertEquals(mac, MacAddress.of(mac.octets()));
        assertTrue(mac.isLocalUnicast());
        assertEquals("ff:ff:ff:ff:ff:ff", MacAddress.BROADCAST.toString());
    }

    @Test
    void refusesWrongSizes() {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.of(new byte[5]));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:42:ac:11:00"));
        assertThrows(IllegalArgumentException.class, () -> new MacAddress(1L << 48));
    }
}
