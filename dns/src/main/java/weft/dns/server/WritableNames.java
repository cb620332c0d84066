package weft.dns.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.dns.DefaultDnsRecordEncoder;

/**
 * Tells whether Netty's encoder can write a name back: its decoder takes names (a NUL in a label, say) that its
 * encoder refuses, and a question we cannot echo is one we cannot answer. Stateless.
 */
final class WritableNames extends DefaultDnsRecordEncoder {
    /** @throws DecoderException when {@code name} cannot be written, so the query is dropped as malformed */
    void check(String name, ByteBufAllocator alloc) {
        ByteBuf scratch = alloc.heapBuffer(WireSize.name(name));
        try {
            encodeName(name, scratch);
        } catch (Exception unwritable) {
            throw new DecoderException("question name cannot be written back: " + unwritable.getMessage(), unwritable);
        } finally {
            scratch.release();
        }
    }
}
