package weft.ipam;

/**
 * How an allocation or claim ended.
 *
 * <p>Immutable values; thread-safe.
 */
public sealed interface AllocationResult {
    /** {@code address} is the owner's, in {@code subnet} (print as {@code address/prefix}). */
    record Allocated(long address, AddressRange subnet) implements AllocationResult {
        @Override
        public String toString() {
            return AddressRange.format(address) + "/" + subnet.prefixLength();
        }
    }

    /** Nothing was allocated; {@code reason} is one line for the caller. */
    record Failed(String reason) implements AllocationResult {}
}
