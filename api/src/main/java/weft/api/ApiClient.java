package weft.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;

/**
 * Calls a router's HTTP API. Uses {@link HttpURLConnection} rather than {@code java.net.http}, which costs the
 * command line most of a second to start.
 */
public final class ApiClient {
    /** The router answered with an error, or did not answer; the message is fit to show to a user. */
    public static final class ApiException extends IOException {
        public final boolean unreachable;

        ApiException(String message, boolean unreachable) {
            super(message);
            this.unreachable = unreachable;
        }
    }

    private final InetSocketAddress address;
    private final ObjectMapper json;
    private final int readTimeoutMillis;

    public ApiClient(InetSocketAddress address, ObjectMapper json, int readTimeoutMillis) {
        this.address = address;
        this.json = json;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    public JsonNode get(String path) throws ApiException {
        return call("GET", path, null);
    }

    public JsonNode post(String path, Object body) throws ApiException {
        return call("POST", path, body);
    }

    public String getText(String path) throws ApiException {
        return new String(exchange("GET", path, null), java.nio.charset.StandardCharsets.UTF_8);
    }

    private JsonNode call(String method, String path, Object body) throws ApiException {
        byte[] reply = exchange(method, path, body);
        try {
            return json.readTree(reply);
        } catch (IOException e) {
            throw new ApiException("the router at " + where() + " sent a reply that is not JSON", false);
        }
    }

    private byte[] exchange(String method, String path, Object body) throws ApiException {
        HttpURLConnection connection = null;
        try {
            URL url = URI.create("http://" + where() + path).toURL();
            connection = (HttpURLConnection) url.openConnection();
            connection.setConnectTimeout(2_000);
            connection.setReadTimeout(readTimeoutMillis);
            connection.setRequestMethod(method);
            if (body != null) {
                connection.setDoOutput(true);
                connection.setRequestProperty("Content-Type", "application/json");
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(json.writeValueAsBytes(body));
                }
            }
            int status = connection.getResponseCode();
            InputStream stream = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            byte[] reply = stream == null ? new byte[0] : stream.readAllBytes();
            if (status >= 400) throw new ApiException(errorText(reply, status), false);
            return reply;
        } catch (ConnectException e) {
            throw new ApiException("no router answers at " + where() + " (is it running? 'weft launch' starts one)", true);
        } catch (ApiException e) {
            throw e;
        } catch (IOException e) {
            throw new ApiException("cannot reach the router at " + where() + ": " + e.getMessage(), true);
        } finally {
            if (connection != null) connection.disconnect();
        }
    }

    private String errorText(byte[] reply, int status) {
        try {
            JsonNode error = json.readTree(reply).get("error");
            if (error != null && error.isTextual()) return error.asText();
        } catch (IOException e) {
            // not JSON: fall through to the status line
        }
        return "the router answered HTTP " + status;
    }

    private String where() {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
