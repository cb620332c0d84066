package weft.router.sleeve;

/**
 * What the sleeve heard from one neighbour lately, for the status: a control connection can be up while UDP between
 * the pair is dropped, and only these say so. Path MTU probes keep datagrams flowing both ways every
 * {@link PathDiscovery#PROBE_CHECK_NANOS} or so even without traffic, so a healthy pair is never quiet for long.
 * Immutable.
 *
 * @param datagrams              datagrams received from the neighbour on the sleeve (while it stays at one endpoint with one key)
 * @param sinceDatagramNanos     how long ago the latest of them arrived; -1 when none has
 * @param sinceAcknowledgedNanos how long ago the neighbour last acknowledged one of our probes, which proves the round
 *                               trip; -1 when it never has
 */
public record HeardFrom(long datagrams, long sinceDatagramNanos, long sinceAcknowledgedNanos) {
}
