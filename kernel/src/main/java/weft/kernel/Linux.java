package weft.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls of the kernel layer, bound with FFM. Each call captures errno in a caller-owned
 * call-state segment (see {@link #newCallState}) so that a hot path allocates nothing, and a -1 result
 * becomes a {@link NativeCallException} naming the call and its target; the message is built only on
 * failure. {@link #read}, {@link #recv} and {@link #poll} instead return -1 for EAGAIN and EINTR,
 * which mean "nothing now" to a loop that polls. Thread-safe as long as each thread passes its own
 * call-state segment.
 */
@SuppressWarnings("restricted") // binding libc is this class's purpose; the launcher grants --enable-native-access
public final class Linux {
    public static final int O_RDONLY = 0, O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public static final int AF_UNSPEC = 0, AF_INET = 2, AF_BRIDGE = 7, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;
    public static final int SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1, SO_SNDBUF = 7, SO_RCVBUF = 8, SOL_NETLINK = 270, SHUT_RDWR = 2;
    public static final int MSG_DONTWAIT = 0x40, MSG_TRUNC = 0x20, MSG_CTRUNC = 0x8;
    /** {@code IPPROTO_IP} options: path MTU discovery mode ({@code IP_PMTUDISC_DO}: never fragment, EMSGSIZE instead) and the path MTU of a connected socket. */
    public static final int IPPROTO_IP = 0, IP_MTU_DISCOVER = 10, IP_MTU = 14, IP_PMTUDISC_DO = 2;
    /** UDP socket options (include/uapi/linux/udp.h): send-side segmentation offload and receive-side coalescing. */
    public static final int SOL_UDP = 17, UDP_SEGMENT = 103, UDP_GRO = 104;
    public static final int SOL_PACKET = 263, PACKET_IGNORE_OUTGOING = 23, SO_ATTACH_FILTER = 26, ETH_P_ALL = 0x0003;
    public static final short POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;
    public static final int CLONE_NEWNET = 0x40000000;
    /** {@code struct pollfd}: int fd, short events, short revents. */
    public static final int POLLFD_SIZE = 8, POLLFD_EVENTS = 4, POLLFD_REVENTS = 6;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_CAPTURE = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle IOCTL = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_VALUE = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = bind("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CONNECT = bind("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDTO = bind("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = bind("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDMMSG = bind("sendmmsg", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle RECVMMSG = bind("recvmmsg", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SHUTDOWN = bind("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SETNS = bind("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle UNSHARE = bind("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETPID = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("getpid"),
            FunctionDescriptor.of(JAVA_INT));

    private Linux() {}

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = ERRNO_CAPTURE;
        System.arraycopy(more, 0, options, 1, more.length);
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor, options);
    }

    /** A segment that receives errno; one per thread that makes calls, reused across calls. */
    public static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    /** The errno captured by the last call made with {@code state}. */
    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static AssertionError bug(String call, Throwable t) {
        return new AssertionError("FFM call " + call + " failed in the binding, not in the kernel", t);
    }

    /** {@code open(path, flags)}; returns the file descriptor. */
    public static int open(MemorySegment state, String path, int flags) {
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, 0);
        } catch (Throwable t) {
            throw bug("open", t);
        }
        if (fd == -1) throw new NativeCallException("open(" + path + ")", errno(state));
        return fd;
    }

    /** {@code close(fd)}; {@code target} names what the descriptor was, for the error. */
    public static void close(MemorySegment state, String target, int fd) {
        int rc;
        try {
            rc = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw bug("close", t);
        }
        // EINTR on close still released the descriptor on Linux, so it is not a failure to retry.
        if (rc == -1 && errno(state) != Errno.EINTR) throw new NativeCallException("close(" + target + ")", errno(state));
    }

    /** {@code read(fd, into, count)}: bytes read, or -1 for EAGAIN/EINTR. */
    public static long read(MemorySegment state, String target, int fd, MemorySegment into, long count) {
        long n;
        try {
            n = (long) READ.invokeExact(state, fd, into, count);
        } catch (Throwable t) {
            throw bug("read", t);
        }
        if (n == -1 && !isTransient(errno(state))) throw new NativeCallException("read(" + target + ")", errno(state));
        return n;
    }

    /** {@code write(fd, from, count)}: bytes written. */
    public static long write(MemorySegment state, String target, int fd, MemorySegment from, long count) {
        long n;
        try {
            n = (long) WRITE.invokeExact(state, fd, from, count);
        } catch (Throwable t) {
            throw bug("write", t);
        }
        if (n == -1) throw new NativeCallException("write(" + target + ")", errno(state));
        return n;
    }

    /** {@code ioctl(fd, request, argument)}; fails as {@code ioctl(requestName, target)}. */
    public static int ioctl(MemorySegment state, String requestName, String target, int fd, long request, MemorySegment argument) {
        int rc;
        try {
            rc = (int) IOCTL.invokeExact(state, fd, request, argument);
        } catch (Throwable t) {
            throw bug("ioctl", t);
        }
        if (rc == -1) throw new NativeCallException("ioctl(" + requestName + ", " + target + ")", errno(state));
        return rc;
    }

    /** {@code ioctl(fd, request, value)} for requests whose argument is a number, not a pointer. */
    public static int ioctl(MemorySegment state, String requestName, String target, int fd, long request, long value) {
        int rc;
        try {
            rc = (int) IOCTL_VALUE.invokeExact(state, fd, request, value);
        } catch (Throwable t) {
            throw bug("ioctl", t);
        }
        if (rc == -1) throw new NativeCallException("ioctl(" + requestName + ", " + target + ")", errno(state));
        return rc;
    }

    /** {@code socket(domain, type, protocol)}; {@code target} describes it, e.g. {@code "AF_NETLINK, NETLINK_ROUTE"}. */
    public static int socket(MemorySegment state, String target, int domain, int type, int protocol) {
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(state, domain, type, protocol);
        } catch (Throwable t) {
            throw bug("socket", t);
        }
        if (fd == -1) throw new NativeCallException("socket(" + target + ")", errno(state));
        return fd;
    }

    /** {@code bind(fd, address, address.byteSize())}. */
    public static void bind(MemorySegment state, String target, int fd, MemorySegment address) {
        int rc;
        try {
            rc = (int) BIND.invokeExact(state, fd, address, (int) address.byteSize());
        } catch (Throwable t) {
            throw bug("bind", t);
        }
        if (rc == -1) throw new NativeCallException("bind(" + target + ")", errno(state));
    }

    /** {@code setsockopt(fd, level, option, &value, 4)} for an int option. */
    public static void setIntOption(MemorySegment state, String target, int fd, int level, int option, int value) {
        int rc;
        try (Arena arena = Arena.ofConfined()) {
            rc = (int) SETSOCKOPT.invokeExact(state, fd, level, option, arena.allocateFrom(JAVA_INT, value), 4);
        } catch (Throwable t) {
            throw bug("setsockopt", t);
        }
        if (rc == -1) throw new NativeCallException("setsockopt(" + target + ")", errno(state));
    }

    /** {@code setsockopt(fd, level, option, value, value.byteSize())} for an option that is a struct. */
    public static void setOption(MemorySegment state, String target, int fd, int level, int option, MemorySegment value) {
        int rc;
        try {
            rc = (int) SETSOCKOPT.invokeExact(state, fd, level, option, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw bug("setsockopt", t);
        }
        if (rc == -1) throw new NativeCallException("setsockopt(" + target + ")", errno(state));
    }

    /** {@code getsockopt(fd, level, option, &value, &4)} for an int option; returns the value. */
    public static int getIntOption(MemorySegment state, String target, int fd, int level, int option) {
        int rc;
        int value;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment into = arena.allocate(JAVA_INT);
            MemorySegment length = arena.allocateFrom(JAVA_INT, 4);
            rc = (int) GETSOCKOPT.invokeExact(state, fd, level, option, into, length);
            value = into.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw bug("getsockopt", t);
        }
        if (rc == -1) throw new NativeCallException("getsockopt(" + target + ")", errno(state));
        return value;
    }

    /** {@code connect(fd, address, address.byteSize())}. */
    public static void connect(MemorySegment state, String target, int fd, MemorySegment address) {
        int rc;
        try {
            rc = (int) CONNECT.invokeExact(state, fd, address, (int) address.byteSize());
        } catch (Throwable t) {
            throw bug("connect", t);
        }
        if (rc == -1) throw new NativeCallException("connect(" + target + ")", errno(state));
    }

    /**
     * {@code setsockopt(fd, level, option, &value, 4)} for an int option the kernel may not know: returns 0, or the
     * errno it refused with (for probing features at setup, never on a hot path).
     */
    public static int trySetIntOption(MemorySegment state, int fd, int level, int option, int value) {
        int rc;
        try (Arena arena = Arena.ofConfined()) {
            rc = (int) SETSOCKOPT.invokeExact(state, fd, level, option, arena.allocateFrom(JAVA_INT, value), 4);
        } catch (Throwable t) {
            throw bug("setsockopt", t);
        }
        return rc == -1 ? errno(state) : 0;
    }

    /** {@code sendto(fd, from, count, flags, to, to.byteSize())}; {@code to} may be {@link MemorySegment#NULL}. */
    public static long sendTo(MemorySegment state, String target, int fd, MemorySegment from, long count, int flags,
                              MemorySegment to) {
        long n;
        try {
            n = (long) SENDTO.invokeExact(state, fd, from, count, flags, to, (int) to.byteSize());
        } catch (Throwable t) {
            throw bug("sendto", t);
        }
        if (n == -1) throw new NativeCallException("sendto(" + target + ")", errno(state));
        return n;
    }

    /** {@code recv(fd, into, count, flags)}: bytes received (the full datagram size with MSG_TRUNC), or -1 for EAGAIN/EINTR. */
    public static long recv(MemorySegment state, String target, int fd, MemorySegment into, long count, int flags) {
        long n;
        try {
            n = (long) RECV.invokeExact(state, fd, into, count, flags);
        } catch (Throwable t) {
            throw bug("recv", t);
        }
        if (n == -1 && !isTransient(errno(state))) throw new NativeCallException("recv(" + target + ")", errno(state));
        return n;
    }

    /** {@code sendmmsg(fd, messages, count, flags)}: messages sent, or -1 for EAGAIN/EINTR; other errors throw. */
    public static int sendmmsg(MemorySegment state, String target, int fd, MemorySegment messages, int count, int flags) {
        int n;
        try {
            n = (int) SENDMMSG.invokeExact(state, fd, messages, count, flags);
        } catch (Throwable t) {
            throw bug("sendmmsg", t);
        }
        if (n == -1 && !isTransient(errno(state))) throw new NativeCallException("sendmmsg(" + target + ")", errno(state));
        return n;
    }

    /**
     * {@code sendmmsg(fd, messages, count, flags)} that never throws: messages sent, or -1 with the errno in
     * {@code state}, for callers that react to particular refusals (a kernel or device without UDP GSO).
     */
    public static int trySendmmsg(MemorySegment state, int fd, MemorySegment messages, int count, int flags) {
        try {
            return (int) SENDMMSG.invokeExact(state, fd, messages, count, flags);
        } catch (Throwable t) {
            throw bug("sendmmsg", t);
        }
    }

    /** {@code recvmmsg(fd, messages, count, flags, NULL)}: messages received, or -1 for EAGAIN/EINTR. */
    public static int recvmmsg(MemorySegment state, String target, int fd, MemorySegment messages, int count, int flags) {
        int n;
        try {
            n = (int) RECVMMSG.invokeExact(state, fd, messages, count, flags, MemorySegment.NULL);
        } catch (Throwable t) {
            throw bug("recvmmsg", t);
        }
        if (n == -1 && !isTransient(errno(state))) throw new NativeCallException("recvmmsg(" + target + ")", errno(state));
        return n;
    }

    /** {@code shutdown(fd, how)}; failures are returned as -1, since shutting down is best effort. */
    public static int shutdown(MemorySegment state, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(state, fd, how);
        } catch (Throwable t) {
            throw bug("shutdown", t);
        }
    }

    /** {@code poll(fds, count, timeoutMillis)}: ready descriptors, 0 on timeout, or -1 for EINTR. */
    public static int poll(MemorySegment state, String target, MemorySegment pollFds, int count, int timeoutMillis) {
        int n;
        try {
            n = (int) POLL.invokeExact(state, pollFds, (long) count, timeoutMillis);
        } catch (Throwable t) {
            throw bug("poll", t);
        }
        if (n == -1 && !isTransient(errno(state))) throw new NativeCallException("poll(" + target + ")", errno(state));
        return n;
    }

    /** {@code setns(fd, nsType)}: moves the calling thread only. */
    public static void setns(MemorySegment state, String target, int fd, int nsType) {
        int rc;
        try {
            rc = (int) SETNS.invokeExact(state, fd, nsType);
        } catch (Throwable t) {
            throw bug("setns", t);
        }
        if (rc == -1) throw new NativeCallException("setns(" + target + ")", errno(state));
    }

    /** {@code unshare(flags)}: for CLONE_NEWNET, moves the calling thread only into a new namespace. */
    public static void unshare(MemorySegment state, int flags) {
        int rc;
        try {
            rc = (int) UNSHARE.invokeExact(state, flags);
        } catch (Throwable t) {
            throw bug("unshare", t);
        }
        if (rc == -1) throw new NativeCallException("unshare(0x" + Integer.toHexString(flags) + ")", errno(state));
    }

    /** {@code getpid()}, which cannot fail. */
    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw bug("getpid", t);
        }
    }

    private static boolean isTransient(int errno) {
        return errno == Errno.EAGAIN || errno == Errno.EINTR;
    }
}
