package weft.dns.server;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/** A way of asking one upstream name server: UDP for UDP clients, TCP for TCP ones. Event loop only. */
interface Upstream {
    /** How one question to one server ended; exactly one of the two is called, on the event loop. */
    interface Outcome {
        /** {@code reply} is the server's whole message, owned by the callee from now on. */
        void answered(ByteBuf reply);

        /** No answer in time, or the server could not be reached. */
        void failed();
    }

    /** Sends {@code query} (not taken: it is copied or retained as needed) to {@code server}. */
    void ask(ByteBuf query, InetSocketAddress server, Outcome outcome);

    /** Ends every question still outstanding with {@link Outcome#failed}; for shutting down. */
    void abandonAll();
}
