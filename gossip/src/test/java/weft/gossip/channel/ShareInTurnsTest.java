package weft.gossip.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShareInTurnsTest {
    @Test
    void whatFitsGoesWholeAndWhatDoesNotGoesOutInTurns() {
        ShareInTurns turns = new ShareInTurns(10);
        assertEquals(List.of(4, 6), turns.share(List.of(4, 6), n -> n), "it fits");
        List<Integer> all = List.of(4, 4, 4, 4, 4);
        assertEquals(List.of(4, 4), turns.share(all, n -> n));
        assertEquals(List.of(4, 4), turns.share(all, n -> n));
        assertEquals(List.of(4, 4), turns.share(all, n -> n), "the fifth, then the first again");
        List<String> named = List.of("a", "bb", "cccccccc", "d");
        ShareInTurns names = new ShareInTurns(10);
        assertEquals(List.of("a", "bb"), names.share(named, String::length), "stops before the entry that would pass the budget");
        assertEquals(List.of("cccccccc", "d", "a"), names.share(named, String::length), "round the end, up to the budget exactly");
        assertEquals(List.of("bb", "cccccccc"), names.share(named, String::length));
    }
}
