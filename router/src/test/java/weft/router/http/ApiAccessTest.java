package weft.router.http;

import org.junit.jupiter.api.Test;
import weft.api.ApiToken;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The access rules on their own, for the bindings {@link ApiServerTest} does not use: a given address, IPv6, port 80. */
class ApiAccessTest {
    private static final ApiToken TOKEN = ApiToken.generate(new SecureRandom());

    private static Optional<Integer> statusFor(ApiAccess access, String host) {
        return access.refusal(Map.of("Host", List.of(host), "Authorization", List.of(TOKEN.authorization()))).map(ApiAccess.Refusal::status);
    }

    @Test
    void anApiOnAGivenAddressAnswersToThatLiteralOnly() {
        ApiAccess access = new ApiAccess(new InetSocketAddress("10.0.0.1", 6784), Optional.of(TOKEN));

        assertEquals(Optional.empty(), statusFor(access, "10.0.0.1:6784"));
        for (String host : List.of("localhost:6784", "127.0.0.1:6784", "10.0.0.2:6784", "10.0.0.1:6785", "weft-host.example:6784", "10.0.0.1")) {
            assertEquals(Optional.of(403), statusFor(access, host), host);
        }
    }

    @Test
    void anApiOnEveryAddressAnswersToAnyLiteralAndLocalhostButNoOtherName() {
        ApiAccess access = new ApiAccess(new InetSocketAddress("0.0.0.0", 6784), Optional.of(TOKEN));

        for (String host : List.of("10.0.0.1:6784", "127.0.0.1:6784", "[fd00::1]:6784", "localhost:6784")) {
            assertEquals(Optional.empty(), statusFor(access, host), host);
        }
        assertEquals(Optional.of(403), statusFor(access, "rebind.example:6784"));
    }

    @Test
    void anIpv6LoopbackApiAnswersToItsBracketedLiteralAndTheLoopbackNames() {
        ApiAccess access = new ApiAccess(new InetSocketAddress("::1", 6784), Optional.empty());

        for (String host : List.of("[::1]:6784", "[0:0:0:0:0:0:0:1]:6784", "localhost:6784", "127.0.0.1:6784")) {
            assertEquals(Optional.empty(), statusFor(access, host), host);
        }
        for (String host : List.of("::1:6784", "[::1]", "[::1]:6784x", "[::2]:6784")) {
            assertEquals(Optional.of(403), statusFor(access, host), host);
        }
    }

    @Test
    void aHostWithoutAPortMeansPort80() {
        ApiAccess access = new ApiAccess(new InetSocketAddress("127.0.0.1", 80), Optional.empty());

        assertEquals(Optional.empty(), statusFor(access, "127.0.0.1"));
        assertEquals(Optional.empty(), statusFor(access, "localhost:80"));
    }

    @Test
    void headerNamesAreMatchedWithoutCase() {
        ApiAccess access = new ApiAccess(new InetSocketAddress("127.0.0.1", 6784), Optional.empty());

        assertEquals(Optional.of(403), access.refusal(Map.of("host", List.of("127.0.0.1:6784"), "ORIGIN", List.of("http://a.example")))
                .map(ApiAccess.Refusal::status));
        assertEquals(Optional.empty(), ApiAccess.contentTypeRefusal(Map.of("content-type", List.of("application/json"))));
    }

    @Test
    void twoContentTypesAreRefusedRatherThanOneChosen() {
        var refusal = ApiAccess.contentTypeRefusal(Map.of("Content-Type", List.of("application/json", "text/plain")));

        assertEquals(Optional.of(new ApiAccess.Refusal(415, "a POST to the API needs 'Content-Type: application/json' (got 2 Content-Type headers);"
                + " with curl: -H 'Content-Type: application/json'")), refusal);
    }

    @Test
    void onlyALoopbackApiMayGoWithoutAToken() {
        var refused = assertThrows(IllegalArgumentException.class, () -> new ApiAccess(new InetSocketAddress("10.0.0.1", 6784), Optional.empty()));
        assertEquals("an HTTP API on 10.0.0.1:6784 would take orders from other hosts: it needs a token", refused.getMessage());
    }
}
