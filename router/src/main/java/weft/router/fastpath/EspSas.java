package weft.router.fastpath;

import weft.crypto.EspKey;
import weft.kernel.Xfrm;

import java.net.Inet4Address;

/**
 * The kernel's ESP SAs, as far as a pair's {@link EspRollover} changes them: {@link #of} an {@link Xfrm} client in
 * production, a table in memory in tests. Both operations throw the kernel's refusal as a
 * {@link weft.kernel.NativeCallException}.
 */
interface EspSas {
    /** Installs the SA for packets from {@code source} to {@code destination} under {@code key}. */
    void add(Inet4Address source, Inet4Address destination, EspKey key);

    void delete(Inet4Address destination, int spi);

    static EspSas of(Xfrm xfrm) {
        return new EspSas() {
            @Override
            public void add(Inet4Address source, Inet4Address destination, EspKey key) {
                byte[] material = key.material();
                try {
                    xfrm.addEspSa(source, destination, key.spi(), material);
                } finally {
                    java.util.Arrays.fill(material, (byte) 0); // the kernel holds its own copy now
                }
            }

            @Override
            public void delete(Inet4Address destination, int spi) {
                xfrm.deleteEspSa(destination, spi);
            }
        };
    }
}
