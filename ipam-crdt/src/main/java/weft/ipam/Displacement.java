package weft.ipam;

/**
 * An address this peer had handed out in a range another peer took over while we were away, and what became of
 * it (see {@code DisplacedAddresses}).
 *
 * <p>Immutable value; thread-safe.
 *
 * @param address the address
 * @param holder  the owner id it was handed to here
 * @param outcome where it stands
 * @param detail  one line for an operator: whom we asked, or why it was kept or lost
 */
public record Displacement(long address, String holder, Outcome outcome, String detail) {
    /** Where a displaced address stands. */
    public enum Outcome {
        /** Asked back from the range's owner; its holder may go on using it until the answer. */
        ASKING,
        /** The owner gave it back: the holder keeps it. */
        KEPT,
        /** The owner refused, or did not answer: the holder must stop using it. */
        LOST
    }
}
