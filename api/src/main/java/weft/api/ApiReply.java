package weft.api;

import java.util.List;

/**
 * The API's replies that are not values of their own ({@link StatusReport}, {@link ConnectResult} and
 * {@link Attachment} are): each record is a JSON object with its components as fields. Immutable.
 */
public sealed interface ApiReply {
    /** The peers of a {@link Endpoint#FORGET} that were targets; the others were not. */
    record Forgotten(List<String> forgotten) implements ApiReply {
        public Forgotten {
            forgotten = List.copyOf(forgotten);
        }
    }

    /** What {@link Endpoint#RMPEER} took over, or what {@link Endpoint#ADOPT_RING} dropped, in words. */
    record Result(String result) implements ApiReply {
    }

    /** The allocator's phase after {@link Endpoint#PRIME}, for example {@code ready}. */
    record Phase(String phase) implements ApiReply {
    }

    /** The address {@link Endpoint#IPAM_ALLOCATE} or {@link Endpoint#IPAM_CLAIM} gave, in CIDR form (the subnet's length). */
    record Address(String cidr) implements ApiReply {
    }

    /** The addresses {@link Endpoint#IPAM_RELEASE} gave back, none when the owner held none of them. */
    record Released(List<String> released) implements ApiReply {
        public Released {
            released = List.copyOf(released);
        }
    }

    /** The addresses an owner holds ({@link Endpoint#IPAM_LEASES}), as dotted quads. */
    record Addresses(List<String> addresses) implements ApiReply {
        public Addresses {
            addresses = List.copyOf(addresses);
        }
    }

    /** The names {@link Endpoint#DNS_ADD} added or {@link Endpoint#DNS_REMOVE} removed. */
    record DnsEntries(List<DnsStatus.Entry> entries) implements ApiReply {
        public DnsEntries {
            entries = List.copyOf(entries);
        }
    }

    /** The reply to {@link Endpoint#STOP}: always true, sent before the router stops. */
    record Stopping(boolean stopping) implements ApiReply {
    }

    /** A connection's fate under NetworkPolicy, and why ({@code weft policy why}). */
    record PolicyVerdict(boolean allowed, String reason) implements ApiReply {
    }

    /** Why a request failed, fit to show to a user; sent with status 400, 401, 403, 404, 405, 415 or 500. */
    record Failure(String error) implements ApiReply {
    }
}
