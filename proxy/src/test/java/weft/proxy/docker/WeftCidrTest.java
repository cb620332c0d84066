package weft.proxy.docker;

import org.junit.jupiter.api.Test;
import weft.proxy.plugin.Ipv4Cidr;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code WEFT_CIDR} as Weave's users wrote {@code WEAVE_CIDR}, and what is refused, each time naming the variable. */
class WeftCidrTest {
    private static final Ipv4Cidr RANGE = Ipv4Cidr.parse("10.32.0.0/12"), DEFAULT = Ipv4Cidr.parse("10.32.0.0/12");

    private static Map<Ipv4Cidr, Optional<String>> parse(String value) {
        return WeftCidr.parse(value, RANGE, DEFAULT).subnets();
    }

    private static String refusal(String value) {
        return assertThrows(IllegalArgumentException.class, () -> parse(value)).getMessage();
    }

    @Test
    void eachEntryNamesASubnetAndMaybeItsAddress() {
        assertEquals(Map.of(), parse("none"));
        assertEquals(Map.of(DEFAULT, Optional.empty()), parse("net:default"));
        Map<Ipv4Cidr, Optional<String>> several = new LinkedHashMap<>();
        several.put(Ipv4Cidr.parse("10.33.0.0/16"), Optional.empty());
        several.put(DEFAULT, Optional.of("10.32.1.9"));
        several.put(Ipv4Cidr.parse("10.40.0.0/24"), Optional.of("10.40.0.7"));
        assertEquals(several, parse(" net:10.33.0.0/16  ip:10.32.1.9/12 10.40.0.7/24 "));
    }

    @Test
    void whatIsNotOneOfThoseIsRefusedNamingTheVariable() {
        String expected = " (expected none, or net:default, net:CIDR, ip:ADDRESS/LENGTH or ADDRESS/LENGTH, separated by spaces)";
        assertEquals("invalid WEFT_CIDR 'banana': 'banana' is not ADDRESS/LENGTH" + expected, refusal("banana"));
        assertEquals("invalid WEFT_CIDR '': it is empty; 'none' leaves the container alone, 'net:default' gives it an address" + expected, refusal(""));
        assertEquals("invalid WEFT_CIDR 'net:10.33.0.1/16': net:10.33.0.1/16 has host bits set" + expected, refusal("net:10.33.0.1/16"));
        assertEquals("invalid WEFT_CIDR '192.168.1.5/24': 192.168.1.5/24 is not inside weft's allocation range 10.32.0.0/12" + expected, refusal("192.168.1.5/24"));
        assertEquals("invalid WEFT_CIDR '10.33.0.0/16': 10.33.0.0/16 is a network or broadcast address" + expected, refusal("10.33.0.0/16"));
        assertEquals("invalid WEFT_CIDR 'ip:10.33.255.255/16': ip:10.33.255.255/16 is a network or broadcast address" + expected, refusal("ip:10.33.255.255/16"));
        assertEquals("invalid WEFT_CIDR 'net:default 10.32.0.5/12': subnet 10.32.0.0/12 is named twice; a container joins a subnet once, with one address there"
                + expected, refusal("net:default 10.32.0.5/12"));
    }

    @Test
    void theContainersLastSettingWinsAsInTheEngine() {
        assertEquals(Optional.of("none"), WeftCidr.from(List.of("PATH=/bin", "WEFT_CIDR=net:default", "WEFT_CIDR=none")));
        assertEquals(Optional.empty(), WeftCidr.from(List.of("WEFT_CIDRX=1", "PATH=/bin")));
    }
}
