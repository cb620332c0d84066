package weft.crypto;

import java.util.Locale;

/**
 * Which AES-256-GCM implementation seals and opens sleeve datagrams. All produce the same bytes, so two routers that
 * use different ones talk as usual; the choice is only about speed and garbage on this machine.
 *
 * <p>Measured with {@code bench/jmh.sh -p payload=1400,2048,4096,8192,65536 Datagram} (all engines in one run; the
 * README has the table): libcrypto 3.0 is the faster below about 2 KiB and allocates nothing, while the JDK's
 * AVX-512 intrinsic is up to 1.8x faster on large payloads (OpenSSL 3.0, Debian 12's, has no such path). The sleeve
 * seals both kinds: frames of an ordinary MTU, and offloaded TCP segments of up to 64 KiB. Hence {@link #BY_SIZE}.
 */
public enum GcmEngine {
    /** OpenSSL's libcrypto 3 through FFM, on the datagram's memory in place, with no allocation. */
    LIBCRYPTO,
    /** The JDK's {@code AES/GCM/NoPadding}, always there. */
    JDK,
    /** {@link #LIBCRYPTO} for payloads shorter than {@link #LARGE_PAYLOAD} bytes, {@link #JDK} for the others. */
    BY_SIZE;

    /** Where {@link #BY_SIZE} hands over from libcrypto to the JDK: the crossover measured on an AVX-512 machine. */
    public static final int LARGE_PAYLOAD = 2048;

    /** The system property that names an engine instead of the preferred one, for experiments and workarounds. */
    public static final String PROPERTY = "weft.gcm";

    /**
     * The engine the system property {@value #PROPERTY} names (JDK, LIBCRYPTO or BY_SIZE), else {@link #BY_SIZE} when
     * this machine has libcrypto 3, else {@link #JDK}.
     *
     * @throws IllegalArgumentException when the property names no engine, or one this machine cannot run
     */
    public static GcmEngine preferred() {
        String named = System.getProperty(PROPERTY, "").strip();
        if (named.isEmpty()) return LibcryptoAesGcm.unavailable() == null ? BY_SIZE : JDK;
        GcmEngine engine;
        try {
            engine = valueOf(named.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + named + ": not an AES-GCM engine (JDK, LIBCRYPTO or BY_SIZE)");
        }
        if (engine.unavailable() != null) throw new IllegalArgumentException("-D" + PROPERTY + "=" + named + ": " + engine.unavailable());
        return engine;
    }

    /** Why this engine cannot run here, or null when it can. */
    public String unavailable() {
        return this == JDK ? null : LibcryptoAesGcm.unavailable();
    }

    AesGcm sealing() {
        return switch (this) {
            case LIBCRYPTO -> LibcryptoAesGcm.sealing();
            case JDK -> JdkAesGcm.sealing();
            case BY_SIZE -> new SizeSplitAesGcm(LibcryptoAesGcm.sealing(), JdkAesGcm.sealing(), LARGE_PAYLOAD);
        };
    }

    AesGcm opening() {
        return switch (this) {
            case LIBCRYPTO -> LibcryptoAesGcm.opening();
            case JDK -> JdkAesGcm.opening();
            case BY_SIZE -> new SizeSplitAesGcm(LibcryptoAesGcm.opening(), JdkAesGcm.opening(), LARGE_PAYLOAD);
        };
    }
}
