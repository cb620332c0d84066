package weft.dns.server;

import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.Inet4Address;
import java.util.List;

/** What to do with a query: answer it here, or forward it upstream. Immutable. */
sealed interface Decision {
    /**
     * Answer here with {@code code}, {@code addresses} as A records and {@code pointers} as PTR records, all named as
     * the client asked.
     */
    record Local(DnsResponseCode code, boolean authoritative, List<Inet4Address> addresses, List<String> pointers)
            implements Decision {
        public Local {
            addresses = List.copyOf(addresses);
            pointers = List.copyOf(pointers);
        }

        static Local empty(DnsResponseCode code, boolean authoritative) {
            return new Local(code, authoritative, List.of(), List.of());
        }
    }

    /** Not ours: ask the upstream servers. */
    record Forward() implements Decision {
    }
}
