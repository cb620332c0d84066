package weft.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Text that operators and callers give a router: peer names ({@code --name}, {@code weft forget}, the data
 * directory's {@code peer-name} file, API requests) and CIDRs ({@code --ipalloc-range}, {@code --trusted-subnets},
 * API requests, lease files), each read as UTF-8. A finding is anything but the documented refusal, an
 * {@link IllegalArgumentException} whose message can be shown to the user, or a parsed value whose text form does not
 * parse back to it.
 */
class TextFuzzTest {
    @FuzzTest
    void peerName(byte[] bytes) {
        PeerName name;
        try {
            name = PeerName.parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException refused) {
            assertShowable(refused);
            return;
        }
        assertEquals(name, PeerName.parse(name.toString()));
    }

    @FuzzTest
    void cidr(byte[] bytes) {
        Cidr cidr;
        try {
            cidr = Cidr.parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException refused) {
            assertShowable(refused);
            return;
        }
        assertEquals(cidr, Cidr.parse(cidr.toString()));
    }

    static void assertShowable(IllegalArgumentException refused) {
        assertFalse(refused.getMessage() == null || refused.getMessage().isBlank(), "a refusal without a reason");
    }
}
