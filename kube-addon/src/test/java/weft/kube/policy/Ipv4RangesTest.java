package weft.kube.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static weft.kube.policy.PolicyFixtures.ip;

/** IPv4 blocks as sorted disjoint ranges: parsing, ipBlock's except, union, membership. */
class Ipv4RangesTest {
    private static Ipv4Ranges.Range range(String first, String last) {
        return new Ipv4Ranges.Range(ip(first), ip(last));
    }

    /** The ranges as nft writes them: the form the ruleset depends on, and readable in a failure. */
    private static List<String> nft(Ipv4Ranges ranges) {
        return ranges.ranges().stream().map(Ipv4Ranges.Range::nft).toList();
    }

    @Test
    void cidrCoversItsWholeBlock() {
        assertEquals(range("10.0.0.0", "10.255.255.255"), Ipv4Ranges.cidrRange("10.0.0.0/8"));
        assertEquals(range("192.168.4.0", "192.168.4.255"), Ipv4Ranges.cidrRange("192.168.4.0/24"));
        assertEquals(range("0.0.0.0", "255.255.255.255"), Ipv4Ranges.cidrRange("0.0.0.0/0"));
    }

    @Test
    void bareAddressIsASlash32() {
        assertEquals(range("10.1.2.3", "10.1.2.3"), Ipv4Ranges.cidrRange("10.1.2.3"));
        assertEquals(range("10.1.2.3", "10.1.2.3"), Ipv4Ranges.cidrRange("10.1.2.3/32"));
    }

    @Test
    void hostBitsOfACidrAreIgnored() {
        // the API server accepts 10.1.2.3/16 and means the block that contains it
        assertEquals(range("10.1.0.0", "10.1.255.255"), Ipv4Ranges.cidrRange("10.1.2.3/16"));
    }

    @Test
    void addressesAreUnsigned() {
        // the top half of the address space must not turn negative in the long
        assertEquals(0xffffffffL, ip("255.255.255.255"));
        assertEquals("255.255.255.255", Ipv4Ranges.text(0xffffffffL));
        assertEquals("128.0.0.1", Ipv4Ranges.text(ip("128.0.0.1")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "10.0.0", "256.1.1.1", "a.b.c.d", "10.0.0.0/x", "10.0.0.0/-1", "10.0.0.0/",
            "", "1.2.3.4.5", "1..2.3", " 10.0.0.1", "10.0.0.1 ", "1000.0.0.1", "10.0.0.0/8/8", "::1/128"})
    void malformedCidrIsRejectedNamingIt(String cidr) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv4Ranges.cidrRange(cidr));
        // at least the address part is named, so the refusal of a policy says which entry is wrong
        assertTrue(e.getMessage().contains("IPv4") && e.getMessage().contains(cidr.strip().split("/")[0]), e.getMessage());
    }

    @Test
    void blockWithoutExceptIsOneRange() {
        assertEquals(List.of("172.17.0.0-172.17.255.255"), nft(Ipv4Ranges.block("172.17.0.0/16", List.of())));
    }

    @Test
    void exceptInTheMiddleSplitsTheBlockInTwo() {
        Ipv4Ranges ranges = Ipv4Ranges.block("172.17.0.0/16", List.of("172.17.1.0/24"));
        assertEquals(List.of("172.17.0.0-172.17.0.255", "172.17.2.0-172.17.255.255"), nft(ranges));
    }

    @Test
    void exceptAtTheStartOrEndLeavesOneRange() {
        assertEquals(List.of("10.0.0.128-10.0.0.255"), nft(Ipv4Ranges.block("10.0.0.0/24", List.of("10.0.0.0/25"))));
        assertEquals(List.of("10.0.0.0-10.0.0.127"), nft(Ipv4Ranges.block("10.0.0.0/24", List.of("10.0.0.128/25"))));
        // single addresses at both edges
        assertEquals(List.of("10.0.0.1-10.0.0.254"), nft(Ipv4Ranges.block("10.0.0.0/24", List.of("10.0.0.0/32", "10.0.0.255"))));
    }

    @Test
    void exceptOfTheWholeBlockLeavesNothing() {
        Ipv4Ranges ranges = Ipv4Ranges.block("10.0.0.0/24", List.of("10.0.0.0/24"));
        assertTrue(ranges.isEmpty());
        assertFalse(ranges.contains(ip("10.0.0.1")));
    }

    @Test
    void severalExceptsEvenNestedOrOverlappingAreAllSubtracted() {
        Ipv4Ranges ranges = Ipv4Ranges.block("10.0.0.0/24",
                List.of("10.0.0.0/26", "10.0.0.0/27", "10.0.0.192/26", "10.0.0.100", "10.0.0.101/32"));
        assertEquals(List.of("10.0.0.64-10.0.0.99", "10.0.0.102-10.0.0.191"), nft(ranges));
    }

    @Test
    void exceptOutsideTheBlockChangesNothing() {
        // KubePolicies refuses such a policy; the arithmetic itself must still not invent addresses
        assertEquals(List.of("10.0.0.0-10.0.0.255"), nft(Ipv4Ranges.block("10.0.0.0/24", List.of("10.0.1.0/24"))));
    }

    @Test
    void everythingExceptThePrivateBlockReachesTheTopAddress() {
        Ipv4Ranges ranges = Ipv4Ranges.block("0.0.0.0/0", List.of("10.0.0.0/8"));
        assertEquals(List.of("0.0.0.0-9.255.255.255", "11.0.0.0-255.255.255.255"), nft(ranges));
        assertTrue(ranges.contains(ip("255.255.255.255")));
        assertFalse(ranges.contains(ip("10.32.0.1")));
    }

    @Test
    void unionMergesAdjacentRanges() {
        // adjacent elements of an nft interval set without auto-merge would be two elements; one is expected
        Ipv4Ranges union = Ipv4Ranges.block("10.0.0.0/25", List.of()).union(Ipv4Ranges.block("10.0.0.128/25", List.of()));
        assertEquals(List.of("10.0.0.0-10.0.0.255"), nft(union));
    }

    @Test
    void unionMergesOverlappingAndContainedRanges() {
        Ipv4Ranges union = Ipv4Ranges.block("10.0.0.0/24", List.of())
                .union(Ipv4Ranges.block("10.0.0.128/25", List.of()))
                .union(Ipv4Ranges.of(List.of(range("10.0.0.200", "10.0.1.10"))));
        assertEquals(List.of("10.0.0.0-10.0.1.10"), nft(union));
    }

    @Test
    void unionKeepsDisjointRangesSortedWhateverTheOrder() {
        Ipv4Ranges a = Ipv4Ranges.block("192.168.0.0/24", List.of());
        Ipv4Ranges b = Ipv4Ranges.block("10.0.0.5", List.of());
        List<String> expected = List.of("10.0.0.5", "192.168.0.0-192.168.0.255");
        assertEquals(expected, nft(a.union(b)));
        assertEquals(expected, nft(b.union(a)));
        assertEquals(a.union(b), b.union(a)); // equal values: the ruleset shares one set for both
    }

    @Test
    void unionWithNothingIsTheSame() {
        Ipv4Ranges a = Ipv4Ranges.block("10.0.0.0/24", List.of("10.0.0.7"));
        assertEquals(a, a.union(Ipv4Ranges.EMPTY));
        assertEquals(a, Ipv4Ranges.EMPTY.union(a));
        assertTrue(Ipv4Ranges.EMPTY.union(Ipv4Ranges.EMPTY).isEmpty());
    }

    @Test
    void ofSortsAndMergesSingleAddresses() {
        Ipv4Ranges ranges = Ipv4Ranges.of(List.of(range("10.0.0.3", "10.0.0.3"), range("10.0.0.1", "10.0.0.1"),
                range("10.0.0.2", "10.0.0.2"), range("10.0.0.9", "10.0.0.9"), range("10.0.0.3", "10.0.0.3")));
        assertEquals(List.of("10.0.0.1-10.0.0.3", "10.0.0.9"), nft(ranges));
    }

    @Test
    void containsHoldsAtTheEdgesAndNotJustOutside() {
        Ipv4Ranges ranges = Ipv4Ranges.block("172.17.0.0/16", List.of("172.17.1.0/24"));
        assertTrue(ranges.contains(ip("172.17.0.0")));
        assertTrue(ranges.contains(ip("172.17.0.255")));
        assertTrue(ranges.contains(ip("172.17.2.0")));
        assertTrue(ranges.contains(ip("172.17.255.255")));
        assertFalse(ranges.contains(ip("172.17.1.0")));
        assertFalse(ranges.contains(ip("172.17.1.255")));
        assertFalse(ranges.contains(ip("172.16.255.255")));
        assertFalse(ranges.contains(ip("172.18.0.0")));
    }
}
