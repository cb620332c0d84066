package weft.crypto;

import java.security.SecureRandom;

/**
 * What one mesh connection's handshake needs when the mesh has a password: the password, a fresh X25519 key pair
 * (its public key goes in the hello, in every protocol version) and a fresh CPace share (sent after the hellos when
 * both ends speak protocol 4). Made before the handshake and thrown away with the connection.
 *
 * <p>Immutable; belongs to one connection.
 */
public record HandshakeSecrets(PasswordKey password, EphemeralKeyPair ephemeral, CpaceShare share) {

    /** Fresh secrets for one connection: two X25519 scalar multiplications. */
    public static HandshakeSecrets generate(PasswordKey password, SecureRandom random) {
        return new HandshakeSecrets(password, EphemeralKeyPair.generate(random), CpaceShare.generate(password, random));
    }
}
