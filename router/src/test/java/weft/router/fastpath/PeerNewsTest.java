package weft.router.fastpath;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PeerNewsTest {
    private static final FastPathTable.Peer B1 = peer(0xb, "b", 2), B2 = peer(0xb, "b", 3), C = peer(0xc, "c", 4);

    private static FastPathTable.Peer peer(long name, String label, int address) {
        return new FastPathTable.Peer(name, label, InetAddress.ofLiteral("10.0.0." + address), Optional.empty(), Optional.empty(), Optional.empty());
    }

    @Test
    void aDisconnectionThenAConnectionStayBothSoThatAQuickRejoinKeepsThePairsHealth() {
        PeerNews news = new PeerNews();
        news.disconnected(0xb);
        news.connected(B2);
        assertEquals(List.of(new PeerNews.Event.Disconnected(0xb), new PeerNews.Event.Connected(B2)), news.take());
        assertEquals(List.of(), news.take(), "taken once");
    }

    @Test
    void onlyTheLatestConnectionOfAPeerIsKeptAndOneThatCameAndWentLeavesOnlyItsDisconnection() {
        PeerNews news = new PeerNews();
        news.connected(B1);
        news.connected(B2);
        assertEquals(List.of(new PeerNews.Event.Connected(B2)), news.take());

        news.disconnected(0xb);
        news.connected(B1);
        news.disconnected(0xb);
        assertEquals(List.of(new PeerNews.Event.Disconnected(0xb)), news.take());

        news.disconnected(0xb);
        news.connected(B1);
        news.connected(B2);
        assertEquals(List.of(new PeerNews.Event.Disconnected(0xb), new PeerNews.Event.Connected(B2)), news.take());
    }

    @Test
    void whatWaitsIsBoundedByThePeersAndPeersKeepTheOrderOfTheirLatestNews() {
        PeerNews news = new PeerNews();
        for (int i = 0; i < 10_000; i++) {
            news.connected(B1);
            news.disconnected(0xb);
            news.connected(C);
        }
        news.connected(B2);
        assertEquals(List.of(new PeerNews.Event.Connected(C), new PeerNews.Event.Disconnected(0xb), new PeerNews.Event.Connected(B2)),
                news.take());
    }
}
