package weft.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest {
    private static final List<CommandLine.Option> OPTIONS = List.of(
            new CommandLine.Option("data-dir", "DIR", "where"),
            new CommandLine.Option("no-thing", null, "a flag"));

    @Test
    void optionsInBothFormsFlagsAndOperands() {
        CommandLine line = CommandLine.parse("launch", OPTIONS, List.of("--data-dir", "/a", "peer1", "--no-thing", "peer2"));
        assertEquals("/a", line.value("data-dir").orElseThrow());
        assertTrue(line.flag("no-thing"));
        assertEquals(List.of("peer1", "peer2"), line.operands());
        assertEquals("/b", CommandLine.parse("launch", OPTIONS, List.of("--data-dir=/b")).value("data-dir").orElseThrow());
        assertEquals(List.of("--weird"), CommandLine.parse("launch", OPTIONS, List.of("--", "--weird")).operands());
    }

    @Test
    void unknownOptionsAndMissingValuesAreUsageErrors() {
        assertThrows(CommandLine.UsageException.class, () -> CommandLine.parse("launch", OPTIONS, List.of("--bogus")));
        assertThrows(CommandLine.UsageException.class, () -> CommandLine.parse("launch", OPTIONS, List.of("-x")));
        assertThrows(CommandLine.UsageException.class, () -> CommandLine.parse("launch", OPTIONS, List.of("--data-dir")));
        assertThrows(CommandLine.UsageException.class, () -> CommandLine.parse("launch", OPTIONS, List.of("--no-thing=1")));
    }

    @Test
    void helpIsRecognised() {
        assertTrue(CommandLine.parse("launch", OPTIONS, List.of("--help")).helpRequested());
    }
}
