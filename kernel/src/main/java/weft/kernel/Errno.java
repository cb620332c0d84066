package weft.kernel;

/**
 * The Linux errno values the kernel layer reacts to or reports, with their strerror text.
 * Numbers are the x86-64/generic Linux ones ({@code asm-generic/errno-base.h}, {@code errno.h}).
 * Thread-safe: constants and a pure function.
 */
public final class Errno {
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, EBADF = 9;
    public static final int EAGAIN = 11, ENOMEM = 12, EACCES = 13, EBUSY = 16, EEXIST = 17, ENODEV = 19;
    public static final int EINVAL = 22, EMFILE = 24, ENOSPC = 28, ERANGE = 34, ENOSYS = 38, EPROTO = 71;
    public static final int EMSGSIZE = 90, EPROTONOSUPPORT = 93, EOPNOTSUPP = 95, EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETDOWN = 100, ENETUNREACH = 101;
    public static final int ENOBUFS = 105, ENOTCONN = 107, ETIMEDOUT = 110, EHOSTUNREACH = 113;
    /** Linux defines ENOTSUP as EOPNOTSUPP. */
    public static final int ENOTSUP = EOPNOTSUPP;

    private Errno() {}

    /** The strerror text of {@code errno}, or {@code "errno N"} for one this table does not know. */
    public static String describe(int errno) {
        return switch (errno) {
            case EPERM -> "Operation not permitted";
            case ENOENT -> "No such file or directory";
            case ESRCH -> "No such process";
            case EINTR -> "Interrupted system call";
            case EIO -> "Input/output error";
            case ENXIO -> "No such device or address";
            case EBADF -> "Bad file descriptor";
            case EAGAIN -> "Resource temporarily unavailable";
            case ENOMEM -> "Cannot allocate memory";
            case EACCES -> "Permission denied";
            case EBUSY -> "Device or resource busy";
            case EEXIST -> "File exists";
            case ENODEV -> "No such device";
            case EINVAL -> "Invalid argument";
            case EMFILE -> "Too many open files";
            case ENOSPC -> "No space left on device";
            case ERANGE -> "Numerical result out of range";
            case ENOSYS -> "Function not implemented";
            case EPROTO -> "Protocol error";
            case EMSGSIZE -> "Message too long";
            case EPROTONOSUPPORT -> "Protocol not supported";
            case EOPNOTSUPP -> "Operation not supported";
            case EAFNOSUPPORT -> "Address family not supported by protocol";
            case EADDRINUSE -> "Address already in use";
            case EADDRNOTAVAIL -> "Cannot assign requested address";
            case ENETDOWN -> "Network is down";
            case ENETUNREACH -> "Network is unreachable";
            case ENOBUFS -> "No buffer space available";
            case ENOTCONN -> "Transport endpoint is not connected";
            case ETIMEDOUT -> "Connection timed out";
            case EHOSTUNREACH -> "No route to host";
            default -> "errno " + errno;
        };
    }
}
