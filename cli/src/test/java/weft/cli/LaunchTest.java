package weft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.PrintStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line {@code weft launch} starts the router with. */
class LaunchTest {
    private static List<String> command(Map<String, String> environment, String... args) {
        var line = CommandLine.parse("launch", RouterOptions.ALL, List.of(args));
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        return new Launch(RouterOptions.parse(line, environment), List.of(args), environment, new ObjectMapper(), nowhere, nowhere, java.util.Optional.empty())
                .command();
    }

    @Test
    void theRoutersJvmGetsTheFlagsOfWeftRouterJavaOptsBeforeTheClassAndTheRoutersArgumentsAfter() {
        List<String> command = command(Map.of("WEFT_ROUTER_JAVA_OPTS", "  -Xmx1g\t-XX:StartFlightRecording=filename=/tmp/r.jfr "),
                "--no-fastdp", "10.0.0.2");
        int main = positionOf(command, Weft.class.getName());
        assertTrue(positionOf(command, "-Xmx1g") < main, command.toString());
        assertTrue(positionOf(command, "-XX:StartFlightRecording=filename=/tmp/r.jfr") < main, command.toString());
        assertEquals(List.of("router", "--no-fastdp", "10.0.0.2"), command.subList(main + 1, command.size()));
    }

    /** Where {@code word} is in the command; fails if it is absent, so that "before X" never passes for a missing word. */
    private static int positionOf(List<String> command, String word) {
        int position = command.indexOf(word);
        assertTrue(position > 0, "'" + word + "' missing from " + command); // 0 is the launcher: setsid or java
        return position;
    }

    @Test
    void withoutItTheRouterGetsTheDefaultFlagsOnlyAndTheClisOwnStayTheClis() {
        List<String> command = command(Map.of("WEFT_JAVA_OPTS", "-Xmx64m"));
        int main = positionOf(command, Weft.class.getName());
        assertTrue(command.stream().noneMatch(word -> word.equals("-Xmx64m") || word.isBlank()), command.toString());
        for (String flag : Launch.DEFAULT_ROUTER_JAVA_OPTS) assertTrue(positionOf(command, flag) < main, command.toString());
        assertTrue(positionOf(command, Launch.DEFAULT_ROUTER_GC) < main, command.toString());
    }

    /** The JVM takes the last of a repeated flag: the user's must come after the defaults to override them. */
    @Test
    void theUsersFlagsComeAfterTheDefaultsSoThatTheyOverrideThem() {
        List<String> command = command(Map.of("WEFT_ROUTER_JAVA_OPTS", "-Xmx1g"));
        int user = positionOf(command, "-Xmx1g");
        for (String flag : Launch.DEFAULT_ROUTER_JAVA_OPTS) assertTrue(positionOf(command, flag) < user, command.toString());
        assertTrue(Launch.DEFAULT_ROUTER_JAVA_OPTS.stream().anyMatch(flag -> flag.startsWith("-Xmx")), "no default heap limit");
        assertTrue(positionOf(command, Launch.DEFAULT_ROUTER_GC) < positionOf(command, Weft.class.getName()), command.toString());
    }

    /** The JVM refuses to start with two collectors: one the user chooses replaces the default. */
    @Test
    void aCollectorTheUserChoosesReplacesTheDefaultOne() {
        List<String> command = command(Map.of("WEFT_ROUTER_JAVA_OPTS", "-XX:+UseG1GC -Xmx1g"));
        assertTrue(positionOf(command, "-XX:+UseG1GC") > 0);
        assertFalse(command.contains(Launch.DEFAULT_ROUTER_GC), command.toString());
    }
}
