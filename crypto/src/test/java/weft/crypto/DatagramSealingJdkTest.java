package weft.crypto;

/** {@link DatagramSealingTest} with the JDK's AES-GCM, which a machine without libcrypto 3 uses. */
class DatagramSealingJdkTest extends DatagramSealingTest {
    @Override
    GcmEngine engine() {
        return GcmEngine.JDK;
    }
}
