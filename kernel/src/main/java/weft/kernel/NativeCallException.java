package weft.kernel;

/**
 * A system call or a kernel request that failed: names the operation and its target, and carries
 * the errno, e.g. {@code RTM_NEWADDR 10.32.0.1/12 on weft failed: File exists (errno 17)}.
 * Immutable, so thread-safe.
 */
public final class NativeCallException extends RuntimeException {
    private final String operation;
    private final int errno;

    /** @param operation how the call reads in errors, e.g. {@code "ioctl(TUNSETIFF, weft-tap0)"} */
    public NativeCallException(String operation, int errno) {
        this(operation, errno, operation + " failed: " + Errno.describe(errno) + " (errno " + errno + ")");
    }

    /** For callers that know what the errno means here better than strerror does. */
    public NativeCallException(String operation, int errno, String message) {
        super(message);
        this.operation = operation;
        this.errno = errno;
    }

    /** Appends the kernel's own explanation (netlink extended ack) to the standard message. */
    static NativeCallException withKernelMessage(String operation, int errno, String kernelMessage) {
        if (kernelMessage == null || kernelMessage.isEmpty()) return new NativeCallException(operation, errno);
        return new NativeCallException(operation, errno,
                operation + " failed: " + Errno.describe(errno) + " (errno " + errno + "): " + kernelMessage);
    }

    public String operation() { return operation; }

    public int errno() { return errno; }
}
