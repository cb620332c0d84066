package weft.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open reference to a network namespace. Work runs inside it on a new dedicated platform thread,
 * because {@code setns} moves only the calling thread (a virtual thread could migrate to another
 * carrier, a pooled thread would stay behind). Sockets and TAP devices opened by that work stay in
 * the namespace after the thread ends. An anonymous namespace ({@link #createAnonymous}) lives as long
 * as this reference is open. Thread-safe; close it once nothing runs in it any more.
 */
public final class NetNamespace implements AutoCloseable {
    /** Work to run inside a namespace; its exception type passes through {@link #call} unchanged. */
    @FunctionalInterface
    public interface Work<T, X extends Exception> {
        T run() throws X;
    }

    private final int fd;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    private NetNamespace(int fd, String description) {
        this.fd = fd;
        this.description = description;
    }

    /** The namespace {@code ip netns add NAME} made, at {@code /run/netns/NAME}. */
    public static NetNamespace named(String ipNetnsName) {
        if (ipNetnsName.isEmpty() || ipNetnsName.contains("/")) {
            throw new IllegalArgumentException("not a network namespace name: '" + ipNetnsName + "'");
        }
        Path path = Path.of("/run/netns", ipNetnsName);
        return open(path, "network namespace '" + ipNetnsName + "'");
    }

    /** The namespace of process {@code pid}. */
    public static NetNamespace ofPid(long pid) {
        return open(Path.of("/proc", Long.toString(pid), "ns", "net"), "network namespace of process " + pid);
    }

    /** The namespace a file such as {@code /proc/PID/ns/net} or a bind mount of one refers to. */
    public static NetNamespace open(Path path) {
        return open(path, "network namespace " + path);
    }

    private static NetNamespace open(Path path, String description) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = Linux.open(Linux.newCallState(arena), path.toString(), Linux.O_RDONLY | Linux.O_CLOEXEC);
            return new NetNamespace(fd, description);
        } catch (NativeCallException e) {
            if (e.errno() != Errno.ENOENT) throw e;
            throw new NativeCallException(e.operation(), e.errno(), description + " not found (" + path + ")");
        }
    }

    /**
     * A new, empty network namespace (only a down loopback), held by the returned reference alone:
     * it vanishes with everything in it when this is closed or the process dies.
     */
    public static NetNamespace createAnonymous() {
        return runOnNewThread("netns-anonymous", state -> {
            Linux.unshare(state, Linux.CLONE_NEWNET);
            int fd = Linux.open(state, "/proc/thread-self/ns/net", Linux.O_RDONLY | Linux.O_CLOEXEC);
            return new NetNamespace(fd, "anonymous network namespace");
        });
    }

    /** Runs {@code work} in a fresh anonymous namespace that disappears when the work ends, failed or not. */
    public static <T, X extends Exception> T callInAnonymous(Work<T, X> work) throws X {
        return runOnNewThread("netns-anonymous", state -> {
            Linux.unshare(state, Linux.CLONE_NEWNET);
            return work.run();
        });
    }

    /** The descriptor, for IFLA_NET_NS_FD; valid while this is open. */
    public int fd() {
        if (closed.get()) throw new IllegalStateException(description + " is closed");
        return fd;
    }

    /** Runs {@code work} inside this namespace on a new platform thread, waits for it, and returns or rethrows its outcome. */
    public <T, X extends Exception> T call(Work<T, X> work) throws X {
        int target = fd();
        return runOnNewThread("netns-" + target, state -> {
            Linux.setns(state, description, target, Linux.CLONE_NEWNET);
            return work.run();
        });
    }

    private interface InThread<T, X extends Exception> {
        T run(MemorySegment callState) throws X;
    }

    private static <T, X extends Exception> T runOnNewThread(String name, InThread<T, X> body) throws X {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread thread = Thread.ofPlatform().name(name).unstarted(() -> {
            try (Arena arena = Arena.ofConfined()) {
                result[0] = body.run(Linux.newCallState(arena));
            } catch (Throwable t) { // thread root: everything goes back to the caller
                failure[0] = t;
            }
        });
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for work in a network namespace");
        }
        // join() orders the worker's writes before these reads
        Throwable t = failure[0];
        if (t == null) {
            @SuppressWarnings("unchecked") T value = (T) result[0];
            return value;
        }
        if (t instanceof RuntimeException runtime) throw runtime;
        if (t instanceof Error error) throw error;
        @SuppressWarnings("unchecked") X checked = (X) t; // body only throws X besides unchecked ones
        throw checked;
    }

    /** Releases the reference; an anonymous namespace with nothing else holding it disappears. Idempotent. */
    @Override public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try (Arena arena = Arena.ofConfined()) {
            Linux.close(Linux.newCallState(arena), description, fd);
        }
    }

    @Override public String toString() {
        return description;
    }
}
