package weft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.PrintStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line {@code weft launch} starts the router with. */
class LaunchTest {
    private static List<String> command(Map<String, String> environment, String... args) {
        var line = CommandLine.parse("launch", RouterOptions.ALL, List.of(args));
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        return new Launch(RouterOptions.parse(line, environment), List.of(args), environment, new ObjectMapper(), nowhere, nowhere)
                .command();
    }

    @Test
    void theRoutersJvmGetsTheFlagsOfWeftRouterJavaOptsBeforeTheClassAndTheRoutersArgumentsAfter() {
        List<String> command = command(Map.of("WEFT_ROUTER_JAVA_OPTS", "  -Xmx1g\t-XX:StartFlightRecording=filename=/tmp/r.jfr "),
                "--no-fastdp", "10.0.0.2");
        int main = command.indexOf(Weft.class.getName());
        assertTrue(main > 0, command.toString());
        assertTrue(command.indexOf("-Xmx1g") > 0 && command.indexOf("-Xmx1g") < main, command.toString());
        assertTrue(command.indexOf("-XX:StartFlightRecording=filename=/tmp/r.jfr") < main, command.toString());
        assertEquals(List.of("router", "--no-fastdp", "10.0.0.2"), command.subList(main + 1, command.size()));
    }

    @Test
    void withoutItTheRouterGetsNoExtraFlagsAndTheClisOwnStayTheClis() {
        List<String> command = command(Map.of("WEFT_JAVA_OPTS", "-Xmx64m"));
        assertTrue(command.stream().noneMatch(word -> word.startsWith("-Xmx") || word.isBlank()), command.toString());
    }
}
