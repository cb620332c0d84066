package weft.gossip.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * A peer to dial as an operator or caller writes it ({@code weft launch PEER...}, {@code weft connect}, the API's
 * connect request), read as UTF-8, through {@link TargetAddress#parse}. A finding is anything but the documented
 * refusal, an {@link IllegalArgumentException} with a message, or a target whose canonical spelling parses to
 * another target.
 */
class TargetAddressFuzzTest {
    @FuzzTest
    void targetAddress(byte[] bytes) {
        TargetAddress target;
        try {
            target = TargetAddress.parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException refused) {
            assertFalse(refused.getMessage() == null || refused.getMessage().isBlank(), "a refusal without a reason");
            return;
        }
        assertEquals(target.canonical(), TargetAddress.parse(target.canonical()).canonical());
    }
}
