package weft.dns.server;

import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link DnsCounters}: added to on the event loop, read on any thread. */
final class LiveCounters {
    final LongAdder localAnswers = new LongAdder();
    final LongAdder nxdomain = new LongAdder();
    final LongAdder forwarded = new LongAdder();
    final LongAdder upstreamFailures = new LongAdder();
    final LongAdder truncated = new LongAdder();
    final LongAdder droppedMalformed = new LongAdder();
    final LongAdder notImplemented = new LongAdder();
    final LongAdder formatErrors = new LongAdder();
    final LongAdder refusedForLoad = new LongAdder();

    DnsCounters snapshot() {
        return new DnsCounters(localAnswers.sum(), nxdomain.sum(), forwarded.sum(), upstreamFailures.sum(),
                truncated.sum(), droppedMalformed.sum(), notImplemented.sum(), formatErrors.sum(),
                refusedForLoad.sum());
    }
}
