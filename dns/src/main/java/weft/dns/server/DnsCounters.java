package weft.dns.server;

/**
 * What the DNS server has done since it started: a snapshot, taken on any thread.
 *
 * @param localAnswers queries answered from the mesh's names (A, PTR, empty NOERROR and NXDOMAIN alike)
 * @param nxdomain of those, the names in our domain that nobody has
 * @param forwarded queries sent upstream
 * @param upstreamFailures forwarded queries answered SERVFAIL: no upstream, or none answered in time
 * @param truncated UDP answers cut to the client's size, with TC set
 * @param droppedMalformed packets the DNS codec could not decode, dropped without an answer
 * @param notImplemented queries with an opcode other than QUERY, answered NOTIMP
 * @param formatErrors queries with no question or several, answered FORMERR
 * @param refusedForLoad forwarded queries refused because the client, or all clients, had too many outstanding
 */
public record DnsCounters(long localAnswers, long nxdomain, long forwarded, long upstreamFailures, long truncated,
                          long droppedMalformed, long notImplemented, long formatErrors, long refusedForLoad) {
}
