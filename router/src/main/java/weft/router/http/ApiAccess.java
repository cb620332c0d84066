package weft.router.http;

import weft.api.ApiToken;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Who may use the API, decided from a request's headers before anything else is read or the router is asked. It
 * stops what a web browser on the host could otherwise make of an API on loopback, and what other hosts could make
 * of one that listens for them:
 * <ul>
 * <li>a page of another site: browsers send an {@code Origin} with every cross-site POST and every script's
 * request, so a request with an {@code Origin} that is not the API itself is refused (403); {@code weft} and
 * {@code curl} send none;</li>
 * <li>DNS rebinding, where a page's own host name is made to resolve to the API's address so that the browser
 * treats the API as the page's origin and lets it read replies: the {@code Host} header then carries that name, so
 * a {@code Host} that is not the API's own address (its IP literal, or {@code localhost} on loopback) is refused
 * (403); a rebinding needs a name, never an IP literal;</li>
 * <li>a form or a script that POSTs without a CORS preflight, which browsers allow only for {@code text/plain},
 * form and multipart bodies: every POST must say {@code Content-Type: application/json} (415), and this API answers
 * no preflight;</li>
 * <li>other hosts, when the API listens beyond loopback ({@code --http-remote}): every request must carry the
 * router's {@link ApiToken} (401).</li>
 * </ul>
 * Header names are matched without regard to case. Immutable and thread-safe.
 */
final class ApiAccess {
    /** Why a request is refused: its HTTP status and a message that says what to do. */
    record Refusal(int status, String message) {
    }

    private static final String JSON = "application/json";

    private final InetSocketAddress bound;
    private final Optional<ApiToken> token;

    /**
     * @param bound the address the API listens on, its port resolved
     * @param token the token every request must carry; empty when the API takes requests without one, which only an
     *              API on loopback may do
     */
    ApiAccess(InetSocketAddress bound, Optional<ApiToken> token) {
        if (!bound.getAddress().isLoopbackAddress() && token.isEmpty()) {
            throw new IllegalArgumentException("an HTTP API on " + ownAddress(bound) + " would take orders from other hosts: it needs a token");
        }
        this.bound = bound;
        this.token = token;
    }

    /** Why a request with these headers is refused, checked in the order that tells a caller the most; empty to serve it. */
    Optional<Refusal> refusal(Map<String, List<String>> headers) {
        List<String> hosts = values(headers, "Host");
        if (hosts.size() != 1) return refuse(400, "a request to the API needs exactly one Host header, " + ownAddress(bound));
        String host = hosts.getFirst().strip();
        if (!namesThisApi(host)) {
            return refuse(403, "Host '" + host + "' is not this API's address, so the request is refused as a possible DNS rebinding"
                    + " (a web page's own name resolving to the API): address the API as " + addressesToUse());
        }
        for (String origin : values(headers, "Origin")) {
            String value = origin.strip();
            if (!(value.regionMatches(true, 0, "http://", 0, 7) && namesThisApi(value.substring(7)))) {
                return refuse(403, "requests from web pages are refused (Origin " + value + "); weft and curl send no Origin");
            }
        }
        if (token.isPresent()) {
            List<String> authorizations = values(headers, "Authorization");
            if (authorizations.isEmpty()) {
                return refuse(401, "this API takes requests from other hosts, so each needs 'Authorization: Bearer TOKEN', TOKEN being the content of "
                        + ApiToken.FILE_NAME + " in the router's data directory (weft sends it when it can read the file, as root can)");
            }
            if (authorizations.size() > 1 || !token.get().authorizes(authorizations.getFirst())) {
                return refuse(401, "the Authorization header does not carry this router's token: send 'Authorization: Bearer TOKEN',"
                        + " TOKEN being the content of " + ApiToken.FILE_NAME + " in the router's data directory");
            }
        }
        return Optional.empty();
    }

    /**
     * Why a POST with these headers is refused for its content type, or empty if it declares JSON; parameters such
     * as {@code charset} are allowed. Checked for every POST, with or without a body: an empty POST is as easy for a
     * web page to send.
     */
    static Optional<Refusal> contentTypeRefusal(Map<String, List<String>> headers) {
        List<String> types = values(headers, "Content-Type");
        String type = types.size() == 1 ? types.getFirst() : "";
        int semicolon = type.indexOf(';');
        String media = (semicolon < 0 ? type : type.substring(0, semicolon)).strip();
        if (media.equalsIgnoreCase(JSON)) return Optional.empty();
        String got = types.isEmpty() ? "none" : types.size() > 1 ? types.size() + " Content-Type headers" : "'" + type.strip() + "'";
        return refuse(415, "a POST to the API needs 'Content-Type: " + JSON + "' (got " + got + "); with curl: -H 'Content-Type: " + JSON + "'");
    }

    /** Whether {@code authority}, a {@code Host} value or an origin without its scheme, is this API's address. */
    private boolean namesThisApi(String authority) {
        int portStart;
        String name;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) return false;
            name = authority.substring(1, close);
            portStart = close + 1;
        } else {
            int colon = authority.indexOf(':');
            portStart = colon < 0 ? authority.length() : colon;
            name = authority.substring(0, portStart); // an IPv6 literal without brackets leaves "" or a fragment here
        }
        if (!portMatches(authority.substring(portStart))) return false;
        boolean loopback = bound.getAddress().isLoopbackAddress();
        if (name.equalsIgnoreCase("localhost")) return loopback || bound.getAddress().isAnyLocalAddress();
        InetAddress address;
        try {
            address = InetAddress.ofLiteral(name); // never a name lookup
        } catch (IllegalArgumentException notALiteral) {
            return false; // a name: only a rebinding or a mistake puts one here
        }
        if (bound.getAddress().isAnyLocalAddress()) return true; // it listens on every address; a literal is never rebound
        return address.equals(bound.getAddress()) || loopback && address.isLoopbackAddress();
    }

    /** {@code ""} (port 80) or {@code ":PORT"}, equal to the API's port. */
    private boolean portMatches(String suffix) {
        if (suffix.isEmpty()) return bound.getPort() == 80;
        if (!suffix.matches(":[0-9]{1,5}")) return false;
        return Integer.parseInt(suffix.substring(1)) == bound.getPort();
    }

    private String addressesToUse() {
        String own = ownAddress(bound);
        if (bound.getAddress().isLoopbackAddress() || bound.getAddress().isAnyLocalAddress()) {
            return own + " or localhost:" + bound.getPort();
        }
        return own;
    }

    private static String ownAddress(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Every value of the header {@code name}, whatever the case of its name in the request. */
    private static List<String> values(Map<String, List<String>> headers, String name) {
        return headers.entrySet().stream()
                .filter(entry -> entry.getKey() != null && entry.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT)))
                .flatMap(entry -> entry.getValue().stream())
                .toList();
    }

    private static Optional<Refusal> refuse(int status, String message) {
        return Optional.of(new Refusal(status, message));
    }
}
