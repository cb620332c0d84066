package weft.ipam;

import java.time.Duration;

/**
 * The allocator's settings.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param universe       {@code --ipalloc-range}: every address the mesh allocates from (a CIDR of /8 or longer)
 * @param defaultSubnet  {@code --ipalloc-default-subnet}: where allocations without a subnet go
 * @param init           how the first ring comes about
 * @param requestTimeout how long an allocation or claim may wait before it fails with its last reason
 */
public record AllocatorConfig(AddressRange universe, AddressRange defaultSubnet, InitMode init, Duration requestTimeout) {
    /** Weave's default range. */
    public static final AddressRange DEFAULT_UNIVERSE = AddressRange.parse("10.32.0.0/12");

    public AllocatorConfig {
        if (universe.prefixLength() < 8) {
            throw new IllegalArgumentException("--ipalloc-range must be a CIDR of /8 or longer: " + universe);
        }
        if (!universe.contains(defaultSubnet) || defaultSubnet.prefixLength() < 0) {
            throw new IllegalArgumentException("default subnet " + defaultSubnet + " must be a CIDR inside " + universe);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request timeout must be positive: " + requestTimeout);
        }
    }

    /** The whole default range as the default subnet, consensus among {@code initialPeers}, 30 s timeout. */
    public static AllocatorConfig defaults(int initialPeers) {
        return new AllocatorConfig(DEFAULT_UNIVERSE, DEFAULT_UNIVERSE, new InitMode.Consensus(initialPeers),
                Duration.ofSeconds(30));
    }
}
