package weft.gossip;

import weft.crypto.DatagramKey;

/**
 * The keys that seal the sleeve datagrams between us and one peer, agreed during the mesh
 * handshake. Present only when both routers have a password and they do not both trust each
 * other's address.
 *
 * <p>Immutable value; the keys are thread-safe to share (each thread makes its own sealer or opener).
 *
 * @param send    seals what we send to the peer
 * @param receive opens what the peer sends us
 */
public record SleeveKeys(DatagramKey send, DatagramKey receive) {}
