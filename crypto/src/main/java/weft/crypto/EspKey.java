package weft.crypto;

import java.util.Arrays;

/**
 * The key of one direction of a pair's kernel ESP security association, for {@code rfc4106(gcm(aes))}: the
 * 32-byte AES key followed by the 4-byte salt (the layout the kernel takes), and the SPI both ends use for that
 * direction. Both come from the connection's key schedule ({@link SessionKeys}), so the two routers agree on them
 * without another message. The SPI travels in clear in every ESP packet; it is derived apart from the key, so it
 * tells nothing about it.
 *
 * <p>Immutable; {@link #material()} hands out copies. Key bytes never appear in {@link #toString()}.
 */
public final class EspKey {
    /** AES-256 key and the rfc4106 salt, as the kernel's {@code xfrm_algo_aead} wants them. */
    public static final int LENGTH = 36;
    /** SPIs below 256 are reserved (RFC 4303 section 2.1); 0 means "none" to the kernel. */
    public static final int MIN_SPI = 0x100;

    private final byte[] material;
    private final int spi;

    /** Normally made by {@link SessionKeys}; public for those that hold keys from elsewhere, such as tests. */
    public EspKey(byte[] material, int spi) {
        if (material.length != LENGTH) throw new IllegalArgumentException("ESP key material must be " + LENGTH + " bytes");
        if (Integer.compareUnsigned(spi, MIN_SPI) < 0) throw new IllegalArgumentException("SPI below " + MIN_SPI + ": " + spi);
        this.material = material.clone();
        this.spi = spi;
    }

    /** The AES key followed by the salt. A copy: the caller may wipe it once the kernel has it. */
    public byte[] material() {
        return material.clone();
    }

    /**
     * The key of this direction's next epoch: the rollover of a long-lived pair, which both ends compute alike, so
     * that the receiver can install it before the sender starts using it. Derived from this key's material alone, one
     * way: whoever learns a later key learns nothing of this one, so deleting this one from the kernel ends its life.
     * The SPI is derived under its own label, like the session's first (see {@link SessionKeys}).
     */
    public EspKey next() {
        byte[] nextMaterial = Hkdf.expand(material, "weft esp rekey", LENGTH);
        byte[] nextSpi = Hkdf.expand(material, "weft esp rekey spi", 4);
        try {
            return new EspKey(nextMaterial, (int) SessionKeys.bigEndian(nextSpi, 0, 4) | MIN_SPI);
        } finally {
            Arrays.fill(nextMaterial, (byte) 0);
        }
    }

    /** The SPI of this direction's SA, an unsigned 32-bit value of at least {@link #MIN_SPI}. */
    public int spi() {
        return spi;
    }

    /** Equal keys have equal material and SPI; compares key bytes, so only for tests and change detection. */
    @Override
    public boolean equals(Object other) {
        return other instanceof EspKey that && spi == that.spi && java.security.MessageDigest.isEqual(material, that.material);
    }

    @Override
    public int hashCode() {
        return spi;
    }

    @Override
    public String toString() {
        return "EspKey[spi 0x" + Integer.toHexString(spi) + ", key redacted]";
    }
}
