package weft.api;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 request to a router's API over a TCP connection of its own ({@code Connection: close}), and the reply:
 * a status and a body, read whether the server gave a {@code Content-Length}, a chunked body or one that ends with
 * the connection. The client used {@link java.net.HttpURLConnection} before; finding that one's handler for
 * {@code http:} has the JDK look through every jar of the class path for another ({@code ServiceLoader}), which with
 * the command line's 58 jars took about 50 ms of each command's 300. Replies are untrusted: the status line and
 * headers are bounded ({@value #MAX_HEAD_BYTES} bytes), the body too ({@value #MAX_BODY_BYTES}), and anything that
 * is not HTTP/1.x is a {@link ProtocolException}. Stateless; each call uses its own socket.
 */
final class HttpCall {
    static final int MAX_HEAD_BYTES = 64 * 1024;
    static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

    /** A reply: its status code and its body (empty when it had none). */
    record Reply(int status, byte[] body) {
    }

    private HttpCall() {
    }

    /**
     * @param headers sent as given (names and values without CR or LF), after {@code Host} and {@code Connection}
     * @param body    sent with its {@code Content-Length}; null for none
     * @throws java.net.ConnectException       nothing listens at {@code address}
     * @throws java.net.SocketTimeoutException no connection within {@code connectMillis}, or a read waited longer than
     *                                         {@code readMillis}
     * @throws ProtocolException               the reply is not HTTP/1.x or breaks its bounds
     */
    static Reply exchange(InetSocketAddress address, String method, String path, Map<String, String> headers, byte[] body,
                          int connectMillis, int readMillis) throws IOException {
        StringBuilder head = new StringBuilder(256).append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        String host = address.getHostString();
        head.append("Host: ").append(host.contains(":") ? "[" + host + "]" : host).append(':').append(address.getPort()).append("\r\n");
        head.append("Connection: close\r\n");
        headers.forEach((name, value) -> head.append(checked(name)).append(": ").append(checked(value)).append("\r\n"));
        if (body != null) head.append("Content-Length: ").append(body.length).append("\r\n");
        head.append("\r\n");
        try (Socket socket = new Socket()) {
            socket.connect(address, connectMillis);
            socket.setSoTimeout(readMillis);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) out.write(body);
            out.flush();
            return read(new BufferedInputStream(socket.getInputStream()));
        }
    }

    private static String checked(String text) {
        if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) throw new IllegalArgumentException("a header with a line break: " + text);
        return text;
    }

    /** Reads a reply from {@code in}: status line, headers, body. */
    static Reply read(InputStream in) throws IOException {
        int[] budget = {MAX_HEAD_BYTES};
        String statusLine = line(in, budget);
        if (!statusLine.matches("HTTP/1\\.[01] [1-5][0-9][0-9]( .*)?")) {
            throw new ProtocolException("not an HTTP/1.1 reply: '" + abbreviated(statusLine) + "'");
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        for (String header = line(in, budget); !header.isEmpty(); header = line(in, budget)) {
            int colon = header.indexOf(':');
            if (colon <= 0) throw new ProtocolException("a header without a name: '" + abbreviated(header) + "'");
            String name = header.substring(0, colon).strip().toLowerCase(Locale.ROOT), value = header.substring(colon + 1).strip();
            if (name.equals("content-length")) {
                if (!value.matches("[0-9]{1,10}")) throw new ProtocolException("a Content-Length that is no length: '" + abbreviated(value) + "'");
                length = Long.parseLong(value);
            } else if (name.equals("transfer-encoding")) {
                chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
            }
        }
        if (status == 204 || status == 304 || status < 200) return new Reply(status, new byte[0]);
        if (chunked) return new Reply(status, chunks(in, budget));
        if (length > MAX_BODY_BYTES) throw new ProtocolException("a body of " + length + " bytes, more than " + MAX_BODY_BYTES);
        if (length >= 0) {
            byte[] body = in.readNBytes((int) length);
            if (body.length < length) throw new EOFException("the reply ended after " + body.length + " of its " + length + " bytes");
            return new Reply(status, body);
        }
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1); // no length: the body ends with the connection
        if (body.length > MAX_BODY_BYTES) throw new ProtocolException("a body of more than " + MAX_BODY_BYTES + " bytes");
        return new Reply(status, body);
    }

    private static byte[] chunks(InputStream in, int[] budget) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line(in, budget);
            int extension = size.indexOf(';');
            String hex = (extension < 0 ? size : size.substring(0, extension)).strip();
            if (!hex.matches("[0-9a-fA-F]{1,8}")) throw new ProtocolException("a chunk size that is no number: '" + abbreviated(size) + "'");
            long length = Long.parseLong(hex, 16);
            if (length == 0) break;
            if (body.size() + length > MAX_BODY_BYTES) throw new ProtocolException("a body of more than " + MAX_BODY_BYTES + " bytes");
            byte[] chunk = in.readNBytes((int) length);
            if (chunk.length < length) throw new EOFException("the reply ended inside a chunk");
            body.write(chunk);
            if (!line(in, budget).isEmpty()) throw new ProtocolException("a chunk longer than its size");
        }
        while (!line(in, budget).isEmpty()) {
            // trailers: none of them matters here
        }
        return body.toByteArray();
    }

    /** One line without its CRLF (a bare LF is taken too), charged to {@code budget}. */
    private static String line(InputStream in, int[] budget) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) throw new EOFException("the reply ended inside its head");
            if (--budget[0] < 0) throw new ProtocolException("a reply head of more than " + MAX_HEAD_BYTES + " bytes");
            if (b == '\n') break;
            line.append((char) b);
        }
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') line.setLength(end - 1);
        return line.toString();
    }

    private static String abbreviated(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "...";
    }
}
