package weft.gossip.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import weft.crypto.CpaceShare;

/**
 * The frame each side sends, in the clear, right after the hellos when both have a password and both speak mesh
 * protocol 4: its CPace share ({@link CpaceShare}). Layout: tag {@value #TAG} (u8) ‖ share (32 bytes). The tag is
 * one that no {@link MeshMessage} uses, so the frame cannot be mistaken for one.
 *
 * <p>Immutable value (the array is not copied: do not mutate it); thread-safe.
 */
record PakeShare(byte[] share) {
    static final int TAG = 11;
    static final int BYTES = 1 + CpaceShare.LENGTH;

    ByteBuf encode(ByteBufAllocator allocator) {
        return allocator.buffer(BYTES).writeByte(TAG).writeBytes(share);
    }

    /** Decodes one frame's readable bytes without moving its indexes or releasing it; never throws. */
    static Decoding<PakeShare> decode(ByteBuf frame) {
        if (frame.readableBytes() != BYTES) {
            return new Decoding.Refused<>("expected a " + BYTES + "-byte password share, got " + frame.readableBytes()
                    + " bytes");
        }
        int tag = frame.getUnsignedByte(frame.readerIndex());
        if (tag != TAG) {
            return new Decoding.Refused<>("expected a password share (tag " + TAG + "), got tag " + tag);
        }
        byte[] share = new byte[CpaceShare.LENGTH];
        frame.getBytes(frame.readerIndex() + 1, share);
        return new Decoding.Decoded<>(new PakeShare(share));
    }
}
