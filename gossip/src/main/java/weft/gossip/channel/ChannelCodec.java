package weft.gossip.channel;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import weft.gossip.wire.Decoding;
import weft.gossip.PeerName;

/**
 * The binary form of {@link ChannelMessage}s, big-endian:
 *
 * <pre>
 * message   = version:u8 (=1) ‖ type:u8 ‖ channel:(len:u8 ‖ ASCII) ‖ body
 * Unicast   (1) = source:6 ‖ destination:6 ‖ payload:(len:u32 ‖ bytes)
 * Broadcast (2) = source:6 ‖ payload
 * Gossip    (3) = payload
 * </pre>
 *
 * Payload lengths are checked against the bytes present and {@link #MAX_PAYLOAD} before allocating.
 * Stateless; thread-safe.
 */
public final class ChannelCodec {
    /** Largest payload accepted: well below the mesh frame limit. */
    public static final int MAX_PAYLOAD = 1 << 20;
    private static final int VERSION = 1;
    private static final int UNICAST = 1;
    private static final int BROADCAST = 2;
    private static final int GOSSIP = 3;

    private ChannelCodec() {}

    /** Encodes; throws IllegalArgumentException for a message no decoder would accept (our bug). */
    public static byte[] encode(ChannelMessage message) {
        byte[] channel = message.channel().getBytes(StandardCharsets.US_ASCII);
        byte[] payload = switch (message) {
            case ChannelMessage.Unicast u -> u.payload();
            case ChannelMessage.Broadcast b -> b.payload();
            case ChannelMessage.Gossip g -> g.payload();
        };
        if (channel.length > 255 || payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("channel name or payload too long on " + message.channel());
        }
        ByteBuffer out = ByteBuffer.allocate(3 + channel.length + 12 + 4 + payload.length);
        out.put((byte) VERSION);
        switch (message) {
            case ChannelMessage.Unicast(String c, PeerName source, PeerName destination, byte[] p) -> {
                out.put((byte) UNICAST).put((byte) channel.length).put(channel);
                putName(out, source);
                putName(out, destination);
            }
            case ChannelMessage.Broadcast(String c, PeerName source, byte[] p) -> {
                out.put((byte) BROADCAST).put((byte) channel.length).put(channel);
                putName(out, source);
            }
            case ChannelMessage.Gossip(String c, byte[] p) -> out.put((byte) GOSSIP).put((byte) channel.length).put(channel);
        }
        out.putInt(payload.length).put(payload);
        byte[] bytes = new byte[out.position()];
        out.flip().get(bytes);
        return bytes;
    }

    /** Decodes untrusted bytes; never throws. */
    public static Decoding<ChannelMessage> decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            int version = in.get() & 0xff;
            if (version != VERSION) {
                return new Decoding.Refused<>("unknown channel message version " + version);
            }
            int type = in.get() & 0xff;
            int length = in.get() & 0xff;
            if (length > in.remaining()) {
                return new Decoding.Refused<>("truncated channel name");
            }
            byte[] name = new byte[length];
            in.get(name);
            for (byte b : name) {
                if (b < 0x21 || b > 0x7e) {
                    return new Decoding.Refused<>("channel name is not printable ASCII");
                }
            }
            String channel = new String(name, StandardCharsets.US_ASCII);
            PeerName source = type == UNICAST || type == BROADCAST ? getName(in) : null;
            PeerName destination = type == UNICAST ? getName(in) : null;
            if (type < UNICAST || type > GOSSIP) {
                return new Decoding.Refused<>("unknown channel message type " + type);
            }
            int payloadLength = in.getInt();
            if (payloadLength < 0 || payloadLength > MAX_PAYLOAD || payloadLength != in.remaining()) {
                return new Decoding.Refused<>("channel payload length " + payloadLength + " with " + in.remaining() + " bytes left");
            }
            byte[] payload = new byte[payloadLength];
            in.get(payload);
            return new Decoding.Decoded<>(switch (type) {
                case UNICAST -> new ChannelMessage.Unicast(channel, source, destination, payload);
                case BROADCAST -> new ChannelMessage.Broadcast(channel, source, payload);
                default -> new ChannelMessage.Gossip(channel, payload); // GOSSIP: range checked above
            });
        } catch (BufferUnderflowException e) {
            return new Decoding.Refused<>("truncated channel message");
        }
    }

    private static void putName(ByteBuffer out, PeerName name) {
        out.putShort((short) (name.value() >>> 32)).putInt((int) name.value());
    }

    private static PeerName getName(ByteBuffer in) {
        long high = in.getShort() & 0xffffL;
        long low = in.getInt() & 0xffffffffL;
        return new PeerName((high << 32) | low);
    }
}
