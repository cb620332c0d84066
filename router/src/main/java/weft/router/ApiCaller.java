package weft.router;

import java.util.Optional;

/**
 * The process that made the API request being served, when it is on this host, said so (the {@code Weft-Client-Pid}
 * header, trusted only from loopback) and was alive and visible here when the request came: bound by the API server
 * for the request's duration, so that a call that waits for the allocator can tell when its caller has gone and
 * drop the request. Immutable.
 */
public final class ApiCaller {
    /** The caller's process id, while a request from a caller on this host is served. */
    public static final ScopedValue<Long> PID = ScopedValue.newInstance();

    private ApiCaller() {
    }

    /** The caller's pid if it is known and that process has exited (or was never there): the answer reaches nobody. */
    static Optional<Long> gone() {
        if (!PID.isBound()) return Optional.empty();
        long pid = PID.get();
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? Optional.empty() : Optional.of(pid);
    }
}
