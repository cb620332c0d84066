package weft.api;

import weft.api.Attachment;

import java.io.IOException;
import java.util.List;

/**
 * What the HTTP API can ask of a router. Implementations are thread-safe: the API server calls them from one
 * virtual thread per request. Exceptions carry messages fit to show to a user: {@link IllegalArgumentException}
 * for a bad request, anything else for a failure of the router.
 */
public interface RouterApi {
    StatusReport status();

    /** Adds targets; each result says whether the first attempt connected. */
    List<ConnectResult> connect(List<String> peers);

    /** Removes targets; returns those that were known. */
    List<String> forget(List<String> peers);

    /** Attaches with the addresses given, or with one from the allocator when none are. */
    Attachment attach(String target, List<String> cidrs) throws IOException;

    Attachment detach(String target, List<String> cidrs) throws IOException;

    List<Attachment> attachments();

    Attachment expose(List<String> cidrs) throws IOException;

    Attachment hide(List<String> cidrs) throws IOException;

    /** Gives a dead peer's address ranges to this peer ({@code weft rmpeer}); returns what was taken over. */
    String removePeer(String peer, boolean force);

    /**
     * Ends a conflict between independently started allocation rings by adopting the winning ring; the addresses
     * this router had handed out from its own ring are dropped and listed in the reply.
     */
    String adoptWinningRing();

    /** Starts the allocator's initialisation now rather than on the first allocation; returns its phase. */
    String primeAllocation();

    /** Prometheus text exposition of the router's counters. */
    String metrics();

    /** Asks the router to stop soon after the reply has been sent. */
    void stop();
}
