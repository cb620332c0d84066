package weft.dns.server;

import io.netty.handler.codec.dns.AbstractDnsOptPseudoRrRecord;

/**
 * The EDNS0 OPT record of our answers: our UDP payload size, version 0, no options. Netty has only the abstract
 * base for it. Immutable.
 */
final class OptRecord extends AbstractDnsOptPseudoRrRecord {
    OptRecord(int udpPayloadSize) {
        super(udpPayloadSize);
    }
}
