package weft.api;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The endpoint table is the wire contract: a changed path or method breaks every client already installed. */
class EndpointTest {
    @Test
    void everyEndpointKeepsThePathAndMethodClientsAlreadyUse() {
        Map<String, String> methodByPath = Arrays.stream(Endpoint.values()).collect(Collectors.toMap(Endpoint::path, Endpoint::method));

        assertEquals(Map.ofEntries(
                Map.entry("/status", "GET"), Map.entry("/report", "GET"), Map.entry("/ps", "GET"), Map.entry("/metrics", "GET"),
                Map.entry("/connect", "POST"), Map.entry("/forget", "POST"), Map.entry("/attach", "POST"), Map.entry("/detach", "POST"),
                Map.entry("/expose", "POST"), Map.entry("/hide", "POST"), Map.entry("/rmpeer", "POST"), Map.entry("/prime", "POST"),
                Map.entry("/adopt-ring", "POST"), Map.entry("/stop", "POST"), Map.entry("/leave", "POST"),
                Map.entry("/cni", "POST")), methodByPath);
    }

    @Test
    void byPathFindsEachEndpointAndNothingElse() {
        for (Endpoint endpoint : Endpoint.values()) assertEquals(Optional.of(endpoint), Endpoint.byPath(endpoint.path()));
        assertEquals(Optional.empty(), Endpoint.byPath("/status/"));
        assertEquals(Optional.empty(), Endpoint.byPath("status"));
    }

    @Test
    void endpointsThatWaitOnTheKernelDockerTheAllocatorOrAFirstAttemptGetAMinuteTheRestHalfAMinute() {
        Map<Endpoint, Duration> slow = Map.of(Endpoint.CONNECT, Duration.ofSeconds(60), Endpoint.ATTACH, Duration.ofSeconds(60),
                Endpoint.DETACH, Duration.ofSeconds(60), Endpoint.EXPOSE, Duration.ofSeconds(60), Endpoint.HIDE, Duration.ofSeconds(60),
                Endpoint.RMPEER, Duration.ofSeconds(60), Endpoint.PRIME, Duration.ofSeconds(60), Endpoint.ADOPT_RING, Duration.ofSeconds(60), Endpoint.LEAVE, Duration.ofSeconds(60),
                Endpoint.CNI, Duration.ofSeconds(60));
        for (Endpoint endpoint : Endpoint.values()) {
            assertEquals(slow.getOrDefault(endpoint, Duration.ofSeconds(30)), endpoint.replyTimeout(), endpoint.name());
        }
    }
}
