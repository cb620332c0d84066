package weft.dns.server;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * A decoded query with the bytes it came in, which go upstream unchanged but for the ID when it is forwarded.
 * Whoever takes one from the pipeline releases {@code wire}.
 */
record ReceivedQuery(Asked asked, ByteBuf wire, InetSocketAddress sender) {
}
