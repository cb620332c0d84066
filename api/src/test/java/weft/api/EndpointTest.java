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
                Map.entry("/cni", "POST"), Map.entry("/ipam/allocate", "POST"), Map.entry("/ipam/claim", "POST"), Map.entry("/ipam/release", "POST"),
                Map.entry("/ipam/leases", "POST"), Map.entry("/dns", "GET"), Map.entry("/dns/add", "POST"), Map.entry("/dns/remove", "POST"),
                Map.entry("/dns/lookup", "POST"), Map.entry("/policy", "GET"), Map.entry("/policy/why", "POST")),
                methodByPath);
    }

    @Test
    void byPathFindsEachEndpointAndNothingElse() {
        for (Endpoint endpoint : Endpoint.values()) assertEquals(Optional.of(endpoint), Endpoint.byPath(endpoint.path()));
        assertEquals(Optional.empty(), Endpoint.byPath("/status/"));
        assertEquals(Optional.empty(), Endpoint.byPath("status"));
    }

    @Test
    void endpointsThatWaitOnTheKernelDockerTheAllocatorOrAFirstAttemptGetAMinuteTheRestHalfAMinute() {
        java.util.Set<Endpoint> slow = java.util.EnumSet.of(Endpoint.CONNECT, Endpoint.ATTACH, Endpoint.DETACH, Endpoint.EXPOSE, Endpoint.HIDE,
                Endpoint.RMPEER, Endpoint.PRIME, Endpoint.ADOPT_RING, Endpoint.LEAVE, Endpoint.CNI, Endpoint.IPAM_ALLOCATE, Endpoint.IPAM_CLAIM);
        for (Endpoint endpoint : Endpoint.values()) {
            assertEquals(Duration.ofSeconds(slow.contains(endpoint) ? 60 : 30), endpoint.replyTimeout(), endpoint.name());
        }
    }
}
