package weft.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * An nftables client: libnftables ({@code libnftables.so.1}, Debian's {@code libnftables1}) bound with FFM, run
 * with nft's text syntax, so that a change is one transaction of the library's (all its commands apply, or none)
 * without a process per change. A context talks to the kernel in the network namespace of the thread that
 * {@link #open}s it, like {@link Rtnetlink}.
 *
 * <p>Not thread-safe: one thread at a time. Errors carry nft's own message.
 */
@SuppressWarnings("restricted") // binding libnftables is this class's purpose; the launcher grants --enable-native-access
public final class Nftables implements AutoCloseable {
    private static final String LIBRARY = "libnftables.so.1";
    private static final Binding BINDING = Binding.load();

    /** The library's functions, or why it cannot be used here. */
    private record Binding(MethodHandle newContext, MethodHandle free, MethodHandle bufferOutput, MethodHandle bufferError,
                           MethodHandle outputBuffer, MethodHandle errorBuffer, MethodHandle run, String missing) {
        static Binding load() {
            try {
                SymbolLookup library = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
                Linker linker = Linker.nativeLinker();
                return new Binding(
                        linker.downcallHandle(library.findOrThrow("nft_ctx_new"), FunctionDescriptor.of(ADDRESS, JAVA_INT)),
                        linker.downcallHandle(library.findOrThrow("nft_ctx_free"), FunctionDescriptor.ofVoid(ADDRESS)),
                        linker.downcallHandle(library.findOrThrow("nft_ctx_buffer_output"), FunctionDescriptor.of(JAVA_INT, ADDRESS)),
                        linker.downcallHandle(library.findOrThrow("nft_ctx_buffer_error"), FunctionDescriptor.of(JAVA_INT, ADDRESS)),
                        linker.downcallHandle(library.findOrThrow("nft_ctx_get_output_buffer"), FunctionDescriptor.of(ADDRESS, ADDRESS)),
                        linker.downcallHandle(library.findOrThrow("nft_ctx_get_error_buffer"), FunctionDescriptor.of(ADDRESS, ADDRESS)),
                        linker.downcallHandle(library.findOrThrow("nft_run_cmd_from_buffer"), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS)),
                        null);
            } catch (IllegalArgumentException | java.util.NoSuchElementException e) {
                return new Binding(null, null, null, null, null, null, null,
                        LIBRARY + " cannot be loaded (" + e.getMessage() + "); install Debian's libnftables1");
            }
        }
    }

    private final MemorySegment context;
    private boolean closed;

    private Nftables(MemorySegment context) {
        this.context = context;
    }

    /** Why nftables cannot be used on this machine, or empty when it can. */
    public static Optional<String> unavailable() {
        return Optional.ofNullable(BINDING.missing());
    }

    /**
     * A context in the calling thread's network namespace, its output and errors kept for this client.
     *
     * @throws NativeCallException when the library is missing or refuses to make a context
     */
    public static Nftables open() {
        if (BINDING.missing() != null) throw new NativeCallException("nftables", Errno.ENOSYS, BINDING.missing());
        try {
            MemorySegment context = (MemorySegment) BINDING.newContext().invokeExact(0);
            if (context.equals(MemorySegment.NULL)) throw new NativeCallException("nft_ctx_new", Errno.ENOMEM);
            int output = (int) BINDING.bufferOutput().invokeExact(context);
            int error = (int) BINDING.bufferError().invokeExact(context);
            if (output != 0 || error != 0) {
                BINDING.free().invokeExact(context);
                throw new NativeCallException("nft_ctx_buffer_output", Errno.ENOMEM);
            }
            return new Nftables(context);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("calling libnftables failed", e);
        }
    }

    /**
     * Runs {@code commands} (nft's text syntax, one command per line) as one transaction.
     *
     * @param what how the change reads in errors, e.g. "guarding weft-vxlan"
     * @throws NativeCallException with nft's message when the kernel or the parser refuses; nothing was applied then
     */
    public void run(String what, String commands) {
        query(what, commands);
    }

    /** Runs {@code commands} as {@link #run} does and returns what nft printed, e.g. for {@code list set ...}. */
    public String query(String what, String commands) {
        if (closed) throw new IllegalStateException("nftables context closed");
        try (Arena arena = Arena.ofConfined()) {
            int result = (int) BINDING.run().invokeExact(context, arena.allocateFrom(commands));
            if (result != 0) {
                throw new NativeCallException("nft (" + what + ")", Errno.EINVAL,
                        "nft (" + what + ") failed: " + reason(text((MemorySegment) BINDING.errorBuffer().invokeExact(context))));
            }
            return text((MemorySegment) BINDING.outputBuffer().invokeExact(context));
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("calling libnftables failed", e);
        }
    }

    /**
     * Removes {@code table} ({@code "inet weft-guard"}: family and name) in one transaction if it exists.
     *
     * @return whether it existed
     * @throws NativeCallException with nft's message when the kernel refuses to remove it
     */
    public boolean removeTable(String table) {
        try {
            query("looking for table " + table, "list table " + table);
        } catch (NativeCallException absent) {
            return false;
        }
        // add, then delete: one transaction that succeeds whether or not the table went meanwhile
        run("removing table " + table, "add table " + table + "\ndelete table " + table);
        return true;
    }

    /** nft's error lines without the echoed command and its caret marks, which only make sense on a terminal. */
    private static String reason(String errors) {
        String lines = errors.lines().filter(line -> line.contains("Error:")).map(String::strip)
                .collect(java.util.stream.Collectors.joining("; "));
        return lines.isEmpty() ? (errors.isEmpty() ? "refused" : errors.lines().findFirst().orElseThrow()) : lines;
    }

    /** A string the library owns until its next call: read at once. */
    private static String text(MemorySegment string) {
        return string.equals(MemorySegment.NULL) ? "" : string.reinterpret(Integer.MAX_VALUE).getString(0).strip();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            BINDING.free().invokeExact(context);
        } catch (Throwable e) {
            throw new IllegalStateException("calling libnftables failed", e);
        }
    }
}
