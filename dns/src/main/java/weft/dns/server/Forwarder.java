package weft.dns.server;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Sends the queries that are not ours to the upstream name servers, one server after another until one answers,
 * and relays the answer with the client's ID; SERVFAIL when none does, REFUSED at once when the client (or
 * everyone) has too many queries outstanding. Event loop only, but for the counters.
 */
final class Forwarder {
    private final UpstreamSource upstreams;
    private final InetSocketAddress self;
    private final ForwardBudget budget;
    private final Upstream datagrams;
    private final Upstream streams;
    private final LiveCounters counters;
    private boolean closing;

    /** @param self the address we listen on, never used as an upstream: we would ask ourselves forever */
    Forwarder(UpstreamSource upstreams, InetSocketAddress self, ForwardBudget budget, Upstream datagrams,
              Upstream streams, LiveCounters counters) {
        this.upstreams = upstreams;
        this.self = self;
        this.budget = budget;
        this.datagrams = datagrams;
        this.streams = streams;
        this.counters = counters;
    }

    /** Forwards {@code wire}, the query as {@code client} wrote it (not taken: retained while it is needed). */
    void forward(Asked asked, ByteBuf wire, Client client) {
        if (closing) {
            return;
        }
        if (!budget.tryAcquire(client.address())) {
            counters.refusedForLoad.increment();
            client.send(Responses.failure(client.newResponse(asked.id()), asked, DnsResponseCode.REFUSED));
            return;
        }
        List<InetSocketAddress> servers = upstreams.current().stream().filter(server -> !server.equals(self)).toList();
        counters.forwarded.increment();
        attempt(new Pending(asked, wire.retain(), client, servers));
    }

    /** Ends every forwarded query without an answer; for shutting down. */
    void abandonAll() {
        closing = true;
        datagrams.abandonAll();
        streams.abandonAll();
    }

    private void attempt(Pending pending) {
        if (closing) {
            pending.finish();
            return;
        }
        if (pending.next == pending.servers.size()) {
            pending.finish();
            counters.upstreamFailures.increment();
            Client client = pending.client;
            client.send(Responses.failure(client.newResponse(pending.asked.id()), pending.asked,
                    DnsResponseCode.SERVFAIL));
            return;
        }
        InetSocketAddress server = pending.servers.get(pending.next++);
        Upstream upstream = pending.client instanceof StreamClient ? streams : datagrams;
        upstream.ask(pending.wire, server, new Upstream.Outcome() {
            @Override
            public void answered(ByteBuf reply) { // at least a header: the upstreams see to it
                pending.finish();
                reply.setShort(reply.readerIndex(), pending.asked.id());
                pending.client.relay(reply);
            }

            @Override
            public void failed() {
                attempt(pending);
            }
        });
    }

    /** One forwarded query: what it holds (its bytes, its budget slot) until it is answered or given up. */
    private final class Pending {
        final Asked asked;
        final ByteBuf wire;
        final Client client;
        final List<InetSocketAddress> servers;
        int next;

        Pending(Asked asked, ByteBuf wire, Client client, List<InetSocketAddress> servers) {
            this.asked = asked;
            this.wire = wire;
            this.client = client;
            this.servers = servers;
        }

        void finish() {
            wire.release();
            budget.release(client.address());
        }
    }
}
