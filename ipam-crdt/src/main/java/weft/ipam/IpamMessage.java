package weft.ipam;

/**
 * What peers send each other on the {@code ipam} channel. Wire layout in {@link IpamCodec}.
 *
 * <p>Immutable values; thread-safe.
 */
public sealed interface IpamMessage {
    /** A peer's whole state: its ring, and the consensus state while the ring is uninitialised. */
    record State(Ring ring, ConsensusState consensus) implements IpamMessage {}

    /** Unicast: the sender is out of space in {@code subnet} and asks the receiver for a block. */
    record SpaceRequest(AddressRange subnet) implements IpamMessage {}

    /** Unicast: the receiver of a {@link SpaceRequest} had nothing to give in {@code subnet}. */
    record SpaceDenied(AddressRange subnet) implements IpamMessage {}

    /** Unicast from an observer that needs a ring: start consensus if you vote. */
    record Kick() implements IpamMessage {}

    /**
     * Unicast: the sender wants {@code address}, in a range the receiver owns, and asks for a block that contains it,
     * when it is free there: a claim of that address, or one the sender held before the receiver took its range over
     * while it was away. The same message since the release that brought it, so an older peer answers both.
     */
    record AddressRequest(long address) implements IpamMessage {}

    /** Unicast: the receiver of an {@link AddressRequest} cannot give {@code address} (held there, or not its own). */
    record AddressDenied(long address) implements IpamMessage {}
}
