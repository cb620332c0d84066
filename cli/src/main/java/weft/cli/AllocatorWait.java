package weft.cli;

import weft.api.ApiClient.ApiException;
import weft.api.Attachment;

import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A call to the router that may wait for the IP allocator (an attach or an expose without an address, or a claim):
 * while it has not answered after {@value #QUIET_SECONDS} s, says on standard error what the allocator waits for (a
 * quorum of peers, space from another peer), each time that changes, because an attach that waits half a minute in
 * silence looks hung. The call runs on a thread of its own; this one only watches. One call per instance. A platform
 * thread, not a virtual one: a virtual thread's socket read parks on the JDK's poller thread, which stays blocked in
 * epoll for the rest of the process, and a JVM that exits waits up to 300 ms for a thread blocked in native code.
 */
final class AllocatorWait {
    private static final int QUIET_SECONDS = 2;

    /** The call to make. */
    @FunctionalInterface
    interface AllocatingCall {
        Attachment call() throws ApiException;
    }

    private final String verb;
    private final Supplier<String> waitingFor;
    private final PrintStream err;

    /** @param waitingFor what the allocator says it waits for, "nothing" when it waits for nothing or cannot be asked */
    AllocatorWait(String verb, Supplier<String> waitingFor, PrintStream err) {
        this.verb = verb;
        this.waitingFor = waitingFor;
        this.err = err;
    }

    Attachment call(AllocatingCall call) throws ApiException {
        CompletableFuture<Attachment> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("weft-call").start(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        long quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(QUIET_SECONDS);
        String said = "nothing";
        while (true) {
            try {
                return result.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException stillWaiting) {
                if (System.nanoTime() - quietUntil < 0) continue;
                String waiting = waitingFor.get();
                if (!waiting.equals(said)) {
                    err.println("weft " + verb + ": waiting for the IP allocator: " + waiting);
                    said = waiting;
                }
            } catch (ExecutionException e) {
                switch (e.getCause()) {
                    case ApiException api -> throw api;
                    case RuntimeException runtime -> throw runtime;
                    default -> throw new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }
}
