package weft.router;

import org.junit.jupiter.api.Test;
import weft.gossip.Cidr;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What the API's address leases refuse before the allocator is asked (the allocator is absent here, so a request
 * that reached it would fail otherwise): owners that name interfaces or are not names, subnets and addresses
 * outside the range. What they give is checked against real routers by DockerPluginIT.
 */
class AddressLeasesTest {
    private final AddressLeases leases = new AddressLeases(null, Cidr.parse("10.32.0.0/12"));

    private String refusal(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(IllegalArgumentException.class, call).getMessage();
    }

    @Test
    void theOwnersOfInterfacesAreNotLeasedTo() {
        for (String owner : new String[]{"cni:pod:eth0", "netns:x", "pid:4", "docker:c1", "weft:expose"}) {
            assertEquals("owner '" + owner + "' names an interface's owner (" + owner.substring(0, owner.indexOf(':') + 1)
                    + "...): attach and detach give those addresses", refusal(() -> leases.allocate(owner, Optional.empty())));
        }
        assertEquals("invalid owner ' spaced': 1 to 200 letters, digits and _ . : / -, starting with a letter or digit",
                refusal(() -> leases.release(" spaced", Optional.empty())));
        assertEquals("invalid owner '': 1 to 200 letters, digits and _ . : / -, starting with a letter or digit",
                refusal(() -> leases.claim("", "10.32.0.1/12")));
    }

    @Test
    void subnetsAndAddressesMustLieInTheRange() {
        assertEquals("subnet 10.48.0.0/16 is not inside the allocation range 10.32.0.0/12",
                refusal(() -> leases.allocate("o", Optional.of("10.48.0.0/16"))));
        assertEquals("subnet 10.33.0.1/16 has host bits set; did you mean 10.33.0.0/16?",
                refusal(() -> leases.allocate("o", Optional.of("10.33.0.1/16"))));
        assertEquals("192.168.1.1/24 is not inside the allocation range 10.32.0.0/12", refusal(() -> leases.claim("o", "192.168.1.1/24")));
        assertEquals("10.47.255.255/12 is a network or broadcast address, not one to give out",
                refusal(() -> leases.release("o", Optional.of("10.47.255.255/12"))));
        assertThrows(IllegalArgumentException.class, () -> leases.claim("o", "not-an-address"));
    }
}
