package weft.dns.server;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DnsResponse;
import java.net.InetAddress;

/** The client a query came from, and the way its answer goes back. Used on the event loop only. */
sealed interface Client permits DatagramClient, StreamClient {
    InetAddress address();

    /** The most an answer built here may take; UDP answers are cut to it, TCP ones never. */
    int sizeLimit(Asked asked);

    /** A fresh response with {@code id}, of the kind this client's pipeline encodes. */
    DnsResponse newResponse(int id);

    /** Sends {@code response}, which it owns from now on. */
    void send(DnsResponse response);

    /**
     * As {@link #send}, while a read batch is being handled: the channel may hold the answer until the batch ends,
     * when the handler flushes (so many UDP answers leave in one system call).
     */
    default void sendInBatch(DnsResponse response) {
        send(response);
    }

    /** Sends a reply relayed from upstream as it is; owns {@code reply} from now on. */
    void relay(ByteBuf reply);
}
