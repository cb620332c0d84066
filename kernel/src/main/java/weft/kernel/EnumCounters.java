package weft.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * Counters named by the constants of an enum, for per-packet facts that several threads count at once (a socket's
 * senders, a data path's lanes). Each counting thread takes a {@link Writer} of its own and adds to slots that no
 * other thread writes, with a plain read of its own slot and an opaque write: no lock, no atomic read-modify-write,
 * no cache line taken from another writer's core. Readers sum the writers' slots. An opaque write is never torn
 * and becomes visible to readers (on x86 it is a plain store); it orders nothing else, which counters do not need.
 * Since every slot only grows (amounts are not negative), a sum read while writers count lies between the
 * counter's totals at the start and at the end of the read.
 *
 * <p>Thread rule: {@link #writer} from any thread (it copies the list of writers: take one when a thread is set up,
 * not per packet); each {@link Writer} from the one thread that owns it; {@link #get} and {@link #snapshot} from
 * any thread.
 */
public final class EnumCounters<E extends Enum<E>> {
    private final Class<E> type;
    private final int size;
    private volatile Writer<?>[] writers = new Writer<?>[0];

    public EnumCounters(Class<E> type) {
        this.type = type;
        this.size = type.getEnumConstants().length;
    }

    /** A new writer, for one more counting thread; its counts are summed with the others'. */
    public synchronized Writer<E> writer() {
        Writer<E> writer = new Writer<>(size);
        Writer<?>[] more = Arrays.copyOf(writers, writers.length + 1);
        more[writers.length] = writer;
        writers = more;
        return writer;
    }

    /** The sum of {@code counter} over all writers. */
    public long get(E counter) {
        int slot = counter.ordinal();
        long sum = 0;
        for (Writer<?> writer : writers) sum += writer.read(slot);
        return sum;
    }

    /** Every counter's sum, in the enum's order. */
    public Map<E, Long> snapshot() {
        Map<E, Long> sums = new EnumMap<>(type);
        for (E counter : type.getEnumConstants()) sums.put(counter, get(counter));
        return sums;
    }

    /** One thread's slots: only that thread may count with it. */
    public static final class Writer<E extends Enum<E>> {
        private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
        private final long[] slots;

        private Writer(int size) {
            slots = new long[size];
        }

        public void increment(E counter) {
            add(counter, 1);
        }

        /** Adds {@code amount}, which is not negative. */
        public void add(E counter, long amount) {
            int slot = counter.ordinal();
            SLOTS.setOpaque(slots, slot, slots[slot] + amount); // the plain read sees this thread's own last write
        }

        private long read(int slot) {
            return (long) SLOTS.getOpaque(slots, slot);
        }
    }
}
