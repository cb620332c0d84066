package weft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class CliTrainingTest {
    /** A command the training cannot run (a verb that changed its endpoint, say) would leave its path out of the cache. */
    @Test
    void everyTrainedCommandSucceedsAgainstTheTrainingReplies() throws IOException {
        assertEquals(0, CliTraining.train());
    }
}
