package weft.gossip;

import weft.crypto.DatagramKey;
import weft.crypto.EspKey;

/**
 * The keys that seal the data between us and one peer, agreed during the mesh handshake: for the
 * sleeve's datagrams, and for the kernel ESP security associations of an encrypted fast path.
 * Present only when both routers have a password and they do not both trust each other's address.
 *
 * <p>Immutable value; the keys are thread-safe to share (each thread makes its own sealer or opener).
 *
 * @param send       seals what we send to the peer by sleeve
 * @param receive    opens what the peer sends us by sleeve
 * @param espSend    the ESP SA (key, salt and SPI) for what we send to the peer on the fast path
 * @param espReceive the ESP SA for what the peer sends us on the fast path
 * @param espRollover whether both ends roll the ESP keys over ({@link EspKey#next}) as the connection ages: only
 *                    when the protocol agreed is at least {@link #ESP_ROLLOVER_VERSION}, since a router of an
 *                    earlier release never installs the next key and would drop what arrives under it
 */
public record SleeveKeys(DatagramKey send, DatagramKey receive, EspKey espSend, EspKey espReceive, boolean espRollover) {
    /** The first mesh protocol version whose routers roll ESP keys over. */
    public static final int ESP_ROLLOVER_VERSION = 5;
}
