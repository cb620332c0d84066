package weft.gossip;

/**
 * The keys that authenticate the fast-path heartbeats between us and one peer (see
 * {@link weft.crypto.HeartbeatAuthenticator}), agreed during the mesh handshake. Present whenever the connection
 * is encrypted, also when the pair's data travels in clear because both ends trust each other's address: a
 * heartbeat decides which path a pair takes, so nobody else may forge one.
 *
 * <p>Immutable value: the arrays are never changed after the handshake; each user makes its own authenticator.
 *
 * @param send    the key of what we send to the peer
 * @param receive the key of what the peer sends us
 */
public record HeartbeatKeys(byte[] send, byte[] receive) {
    @Override
    public String toString() {
        return "HeartbeatKeys[redacted]";
    }
}
