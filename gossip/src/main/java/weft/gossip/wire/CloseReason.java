package weft.gossip.wire;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.AttributeKey;

/**
 * Why a mesh connection was closed, kept on the channel so that whoever watches the close future
 * can say why. The first reason given wins: later ones are consequences.
 *
 * <p>Thread-safe: channel attributes are atomic and {@link Channel#close()} may be called from any
 * thread.
 */
public final class CloseReason {
    private static final AttributeKey<String> REASON = AttributeKey.valueOf(CloseReason.class, "reason");
    /** Reason reported when the channel closed without one of ours, e.g. the peer hung up. */
    public static final String CLOSED_BY_PEER = "connection closed by peer";

    private CloseReason() {}

    /** Records {@code reason} unless one is already recorded, and closes the channel. */
    public static ChannelFuture close(Channel channel, String reason) {
        channel.attr(REASON).setIfAbsent(reason);
        return channel.close();
    }

    /**
     * Records {@code reason} unless one is already recorded, and closes the channel once {@code write} has
     * completed, so that what it carries leaves before the close.
     */
    public static void closeAfter(ChannelFuture write, String reason) {
        Channel channel = write.channel();
        channel.attr(REASON).setIfAbsent(reason);
        write.addListener(written -> channel.close());
    }

    /** The recorded reason, or {@link #CLOSED_BY_PEER}. */
    public static String of(Channel channel) {
        String reason = channel.attr(REASON).get();
        return reason != null ? reason : CLOSED_BY_PEER;
    }
}
