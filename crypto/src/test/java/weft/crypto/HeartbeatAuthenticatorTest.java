package weft.crypto;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.security.SecureRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeartbeatAuthenticatorTest {
    private final PasswordKey password = PasswordKey.derive("heartbeat".toCharArray(), Argon2Cost.TESTING);
    private final SecureRandom random = new SecureRandom();

    private static ByteBuffer heartbeat(String fields) {
        return ByteBuffer.wrap(fields.getBytes(StandardCharsets.US_ASCII));
    }

    private static ByteBuffer tagOf(HeartbeatAuthenticator authenticator, String fields) {
        ByteBuffer tag = ByteBuffer.allocate(HeartbeatAuthenticator.TAG_LENGTH);
        authenticator.tag(heartbeat(fields), tag);
        return tag.flip();
    }

    @Test
    void aHeartbeatTaggedByOneEndVerifiesAtTheOtherAndNowhereElse() {
        Handshake h = Handshake.run(password, password, random);
        SessionKeys i = h.initiator(), r = h.responder();
        assertArrayEquals(i.heartbeatSend(), r.heartbeatReceive());
        assertArrayEquals(r.heartbeatSend(), i.heartbeatReceive());
        assertFalse(Arrays.equals(i.heartbeatSend(), i.heartbeatReceive()), "each direction has its own key");

        ByteBuffer tag = tagOf(new HeartbeatAuthenticator(i.heartbeatSend()), "sender b receiver a sequence 7 hearing");
        assertTrue(new HeartbeatAuthenticator(r.heartbeatReceive()).verify(heartbeat("sender b receiver a sequence 7 hearing"), tag.duplicate()));
        assertFalse(new HeartbeatAuthenticator(r.heartbeatReceive()).verify(heartbeat("sender b receiver a sequence 8 hearing"), tag.duplicate()),
                "a changed field");
        assertFalse(new HeartbeatAuthenticator(i.heartbeatReceive()).verify(heartbeat("sender b receiver a sequence 7 hearing"), tag.duplicate()),
                "reflected to its sender");
        Handshake other = Handshake.run(password, password, random);
        assertFalse(new HeartbeatAuthenticator(other.responder().heartbeatReceive())
                .verify(heartbeat("sender b receiver a sequence 7 hearing"), tag.duplicate()), "another session");
        assertFalse(new HeartbeatAuthenticator(r.heartbeatReceive()).verify(heartbeat("sender b receiver a sequence 7 hearing"),
                ByteBuffer.allocate(HeartbeatAuthenticator.TAG_LENGTH)), "the zero padding of an unauthenticated heartbeat");
    }

    @Test
    void onlyA32ByteKeyIsAccepted() {
        assertThrows(IllegalArgumentException.class, () -> new HeartbeatAuthenticator(new byte[16]));
    }
}
