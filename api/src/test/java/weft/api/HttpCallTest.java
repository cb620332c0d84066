package weft.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The reply side of {@link HttpCall} on bytes as a server might send them; the request side is {@link ApiClientTest}'s. */
class HttpCallTest {
    private static HttpCall.Reply read(String reply) throws IOException {
        return HttpCall.read(new ByteArrayInputStream(reply.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static String body(HttpCall.Reply reply) {
        return new String(reply.body(), StandardCharsets.UTF_8);
    }

    @Test
    void aBodyIsReadByItsLengthChunkedOrUntilTheConnectionEnds() throws IOException {
        HttpCall.Reply sized = read("HTTP/1.1 200 OK\r\nContent-length: 5\r\n\r\nhelloTRAILING");
        assertEquals(200, sized.status());
        assertEquals("hello", body(sized), "what follows the length is not the body's");
        HttpCall.Reply chunked = read("HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n");
        assertEquals(400, chunked.status());
        assertEquals("abc0123456789", body(chunked));
        assertEquals("until the end\n", body(read("HTTP/1.0 200 OK\nContent-Type: text/plain\n\nuntil the end\n")));
        assertEquals("", body(read("HTTP/1.1 204 No Content\r\n\r\n")));
    }

    @Test
    void whatIsNotAnHttpReplyIsAProtocolException() {
        for (String bad : new String[]{"SSH-2.0-OpenSSH\r\n\r\n", "HTTP/2 200\r\n\r\n", "HTTP/1.1 999 What\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n"}) {
            assertThrows(ProtocolException.class, () -> read(bad), bad);
        }
    }

    @Test
    void aReplyThatEndsEarlyIsAnEofException() {
        for (String cut : new String[]{"", "HTTP/1.1 200 OK\r\nContent-Le", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"}) {
            assertThrows(EOFException.class, () -> read(cut), cut);
        }
    }

    @Test
    void aHeadOrBodyPastItsBoundIsRefusedWithoutReadingOn() {
        InputStream endlessHead = new SequenceInputStream(new ByteArrayInputStream("HTTP/1.1 200 OK\r\nX: ".getBytes(StandardCharsets.US_ASCII)),
                InputStream.nullInputStream()) {
            private long served;

            @Override
            public int read() throws IOException {
                int b = super.read();
                return b >= 0 ? b : served++ < 1L << 30 ? 'a' : -1;
            }
        };
        ProtocolException head = assertThrows(ProtocolException.class, () -> HttpCall.read(endlessHead));
        assertTrue(head.getMessage().contains("head of more than " + HttpCall.MAX_HEAD_BYTES), head.getMessage());
        ProtocolException body = assertThrows(ProtocolException.class,
                () -> read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(HttpCall.MAX_BODY_BYTES + 1) + "\r\n"));
        assertTrue(body.getMessage().contains("more than " + HttpCall.MAX_BODY_BYTES), body.getMessage());
        assertArrayEquals(new byte[0], assertDoesNotThrowRead("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").body());
    }

    private static HttpCall.Reply assertDoesNotThrowRead(String reply) {
        try {
            return read(reply);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
