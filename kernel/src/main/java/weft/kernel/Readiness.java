package weft.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Waits for any of a few descriptors to have something to read, in one {@code poll(2)}: so that one thread can sleep
 * on a TAP queue and a UDP socket together and serve whichever wakes it, instead of two threads each waking the other.
 * An error or a hang-up counts as ready: the read that follows reports it.
 *
 * <p>Owned by one thread (its poll array and error state are reused on every call).
 */
public final class Readiness {
    /** Something with a descriptor to wait on. */
    public interface Source {
        /** The descriptor, open for as long as the {@link Readiness} that waits on it is used. */
        int descriptor();
    }

    private static final short READY = (short) (Linux.POLLIN | Linux.POLLERR | Linux.POLLHUP | Linux.POLLNVAL);
    private final MemorySegment pollFds, state;
    private final int count;

    /** Waits on {@code sources}, at most 31 of them; bit {@code i} of {@link #await}'s answer is {@code sources[i]}. */
    public Readiness(Source... sources) {
        if (sources.length == 0 || sources.length > 31) throw new IllegalArgumentException("1 to 31 sources, not " + sources.length);
        Arena arena = Arena.ofAuto();
        this.count = sources.length;
        this.pollFds = arena.allocate((long) Linux.POLLFD_SIZE * count, 8);
        this.state = Linux.newCallState(arena);
        for (int i = 0; i < count; i++) {
            long at = (long) i * Linux.POLLFD_SIZE;
            pollFds.set(JAVA_INT, at, sources[i].descriptor());
            pollFds.set(JAVA_SHORT, at + Linux.POLLFD_EVENTS, Linux.POLLIN);
        }
    }

    /**
     * Waits up to {@code timeoutMillis} (0: only looks) for a source to be ready; returns the ready ones as a bit mask,
     * 0 when none was within the time (or a signal interrupted the wait).
     */
    public int await(int timeoutMillis) {
        int n = Linux.poll(state, "readiness", pollFds, count, timeoutMillis);
        if (n <= 0) return 0;
        int ready = 0;
        for (int i = 0; i < count; i++) {
            if ((pollFds.get(JAVA_SHORT, (long) i * Linux.POLLFD_SIZE + Linux.POLLFD_REVENTS) & READY) != 0) ready |= 1 << i;
        }
        return ready;
    }
}
