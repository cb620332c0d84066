package weft.crypto;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@link AesGcm} by OpenSSL's libcrypto 3 (part of every Debian), bound with FFM: one {@code EVP_CIPHER_CTX} per
 * instance, keyed when the epoch changes and only re-nonced per datagram, so a datagram costs five short native calls
 * and no Java allocation, and it works on the datagram's own memory, in place. The calls are bound as critical (they
 * neither block nor call back, and take microseconds at most), which lets them read and write heap segments too.
 *
 * <p>The context, which holds the expanded key, is freed by a {@link Cleaner} once the instance is unreachable;
 * OpenSSL clears it when freeing it.
 */
@SuppressWarnings("restricted") // binding libcrypto is this class's purpose; the launcher grants --enable-native-access
final class LibcryptoAesGcm implements AesGcm {
    private static final String LIBRARY = "libcrypto.so.3";
    private static final int ENCRYPT = 1, DECRYPT = 0, KEEP_DIRECTION = -1;
    private static final int EVP_CTRL_GCM_GET_TAG = 0x10, EVP_CTRL_GCM_SET_TAG = 0x11;
    private static final Cleaner CONTEXTS = Cleaner.create();

    /** The bound functions, or the reason they could not be bound; resolved once, on first use. */
    private static final class Bindings {
        static final MethodHandle CIPHER_AES_256_GCM, CTX_NEW, CTX_FREE, INIT, UPDATE, FINAL, CTRL;
        static final MemorySegment AES_256_GCM;
        static final String UNAVAILABLE;

        static {
            MethodHandle cipher = null, ctxNew = null, ctxFree = null, init = null, update = null, fin = null, ctrl = null;
            MemorySegment aes = MemorySegment.NULL;
            String unavailable = null;
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup library = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
                Linker.Option critical = Linker.Option.critical(true);
                cipher = linker.downcallHandle(library.findOrThrow("EVP_aes_256_gcm"), FunctionDescriptor.of(ADDRESS));
                ctxNew = linker.downcallHandle(library.findOrThrow("EVP_CIPHER_CTX_new"), FunctionDescriptor.of(ADDRESS));
                ctxFree = linker.downcallHandle(library.findOrThrow("EVP_CIPHER_CTX_free"), FunctionDescriptor.ofVoid(ADDRESS));
                init = linker.downcallHandle(library.findOrThrow("EVP_CipherInit_ex"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT), critical);
                update = linker.downcallHandle(library.findOrThrow("EVP_CipherUpdate"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT), critical);
                fin = linker.downcallHandle(library.findOrThrow("EVP_CipherFinal_ex"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), critical);
                ctrl = linker.downcallHandle(library.findOrThrow("EVP_CIPHER_CTX_ctrl"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), critical);
                aes = (MemorySegment) cipher.invokeExact();
                if (aes.equals(MemorySegment.NULL)) unavailable = LIBRARY + " has no AES-256-GCM";
            } catch (Throwable e) { // a missing library, a missing symbol: the JDK's cipher is used instead
                unavailable = LIBRARY + ": " + e.getMessage();
            }
            CIPHER_AES_256_GCM = cipher;
            CTX_NEW = ctxNew;
            CTX_FREE = ctxFree;
            INIT = init;
            UPDATE = update;
            FINAL = fin;
            CTRL = ctrl;
            AES_256_GCM = aes;
            UNAVAILABLE = unavailable;
        }
    }

    private final MemorySegment context;
    private final int direction;
    /** Native scratch: the nonce, the key while it is loaded, and the length every update reports. */
    private final MemorySegment nonceBytes, keyBytes, length;
    /** The epoch whose key the context holds, or null. */
    private DatagramEpoch keyed;

    private LibcryptoAesGcm(int direction) {
        this.direction = direction;
        Arena arena = Arena.ofAuto();
        nonceBytes = arena.allocate(NONCE_LENGTH);
        keyBytes = arena.allocate(32);
        length = arena.allocate(JAVA_INT);
        try {
            context = (MemorySegment) Bindings.CTX_NEW.invokeExact();
        } catch (Throwable e) {
            throw new IllegalStateException("EVP_CIPHER_CTX_new failed", e);
        }
        if (context.equals(MemorySegment.NULL)) throw new OutOfMemoryError("EVP_CIPHER_CTX_new returned NULL");
        MemorySegment toFree = context;
        CONTEXTS.register(this, () -> free(toFree));
    }

    /** Why libcrypto's AES-GCM cannot be used here, or null when it can. */
    static String unavailable() {
        return Bindings.UNAVAILABLE;
    }

    /** An instance that only seals. */
    static LibcryptoAesGcm sealing() {
        return new LibcryptoAesGcm(ENCRYPT);
    }

    /** An instance that only opens. */
    static LibcryptoAesGcm opening() {
        return new LibcryptoAesGcm(DECRYPT);
    }

    @Override
    public void seal(DatagramEpoch key, byte[] nonce, MemorySegment aad, MemorySegment plaintext, MemorySegment ciphertext,
                     MemorySegment tag) {
        if (direction != ENCRYPT) throw new IllegalStateException("seal on an opening AES-GCM context");
        AesGcm.requireInPlaceOrApart(plaintext, ciphertext, ciphertext);
        start(key, nonce, aad);
        try {
            check((int) Bindings.UPDATE.invokeExact(context, ciphertext, length, plaintext, (int) plaintext.byteSize()), "EVP_CipherUpdate");
            check((int) Bindings.FINAL.invokeExact(context, ciphertext.asSlice(plaintext.byteSize()), length), "EVP_CipherFinal_ex");
            check((int) Bindings.CTRL.invokeExact(context, EVP_CTRL_GCM_GET_TAG, TAG_LENGTH, tag), "EVP_CTRL_GCM_GET_TAG");
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    @Override
    public boolean open(DatagramEpoch key, byte[] nonce, MemorySegment aad, MemorySegment ciphertext, MemorySegment tag,
                        MemorySegment plaintext) {
        if (direction != DECRYPT) throw new IllegalStateException("open on a sealing AES-GCM context");
        AesGcm.requireInPlaceOrApart(ciphertext, plaintext, plaintext);
        start(key, nonce, aad);
        try {
            check((int) Bindings.UPDATE.invokeExact(context, plaintext, length, ciphertext, (int) ciphertext.byteSize()), "EVP_CipherUpdate");
            check((int) Bindings.CTRL.invokeExact(context, EVP_CTRL_GCM_SET_TAG, TAG_LENGTH, tag), "EVP_CTRL_GCM_SET_TAG");
            return (int) Bindings.FINAL.invokeExact(context, plaintext.asSlice(ciphertext.byteSize()), length) > 0;
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** Loads the key when it changed, then the nonce, then the associated data. */
    private void start(DatagramEpoch key, byte[] nonce, MemorySegment aad) {
        if (nonce.length != NONCE_LENGTH || aad.byteSize() > Integer.MAX_VALUE) throw new IllegalArgumentException("nonce or AAD");
        MemorySegment.copy(nonce, 0, nonceBytes, JAVA_BYTE, 0, NONCE_LENGTH);
        try {
            if (key != keyed) {
                keyed = null;
                key.copyKeyTo(keyBytes);
                int loaded = (int) Bindings.INIT.invokeExact(context, Bindings.AES_256_GCM, MemorySegment.NULL, keyBytes,
                        MemorySegment.NULL, direction);
                keyBytes.fill((byte) 0);
                check(loaded, "EVP_CipherInit_ex (key)");
                keyed = key;
            }
            check((int) Bindings.INIT.invokeExact(context, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, nonceBytes,
                    KEEP_DIRECTION), "EVP_CipherInit_ex (nonce)");
            if (aad.byteSize() > 0) {
                check((int) Bindings.UPDATE.invokeExact(context, MemorySegment.NULL, length, aad, (int) aad.byteSize()),
                        "EVP_CipherUpdate (AAD)");
            }
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static void check(int result, String call) {
        if (result <= 0) throw new IllegalStateException(call + " failed in " + LIBRARY);
    }

    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException runtime) return runtime;
        if (e instanceof Error error) throw error;
        return new IllegalStateException(e);
    }

    private static void free(MemorySegment context) {
        try {
            Bindings.CTX_FREE.invokeExact(context);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }
}
