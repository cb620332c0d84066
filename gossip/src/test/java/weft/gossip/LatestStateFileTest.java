package weft.gossip;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LatestStateFileTest {
    @TempDir
    Path directory;

    @Test
    void writersRacingLeaveTheLatestStateInTheFile() throws Exception {
        LatestStateFile file = new LatestStateFile(directory.resolve("state"));
        AtomicInteger state = new AtomicInteger();
        List<Thread> writers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            writers.add(Thread.ofPlatform().start(() -> {
                for (int n = 0; n < 25; n++) {
                    state.incrementAndGet(); // the change, then its write: as the store and the target list do
                    try {
                        file.write(() -> Integer.toString(state.get()).getBytes(StandardCharsets.US_ASCII));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }));
        }
        for (Thread writer : writers) writer.join();
        assertEquals("200", Files.readString(directory.resolve("state")));
    }
}
