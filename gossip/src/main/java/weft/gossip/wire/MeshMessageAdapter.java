package weft.gossip.wire;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Turns an established connection's messages and writability into calls on a {@link Listener}
 * (which hops onto the mesh loop). Messages are plain records, so nothing here needs releasing;
 * anything else passes on.
 *
 * <p>One instance per channel; runs on the channel's event loop.
 */
public final class MeshMessageAdapter extends ChannelInboundHandlerAdapter {
    /** Called on the channel's event loop. */
    public interface Listener {
        void onMessage(MeshMessage message);

        /** The channel can take writes again after it could not. */
        void onWritable();
    }

    private final Listener listener;

    public MeshMessageAdapter(Listener listener) {
        this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (message instanceof MeshMessage mesh) {
            listener.onMessage(mesh);
        } else {
            ctx.fireChannelRead(message);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            listener.onWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }
}
