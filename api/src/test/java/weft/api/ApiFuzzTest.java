package weft.api;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the API reads from a caller, a router or the router's data directory. A finding is any exception other than
 * the decoder's documented refusal: {@link IllegalArgumentException} with a message for a request body (the router
 * replies 400 with it), {@link IOException} for a reply (the client turns it into an {@link ApiClient.ApiException}),
 * an empty {@link Optional} for the token and location files and {@code false} for an {@code Authorization} header;
 * or a decoded value that does not survive its own encoding.
 */
class ApiFuzzTest {
    /** Every body a client can POST, as {@code ApiServer} reads it per endpoint. */
    private static final List<Class<? extends ApiRequest>> REQUESTS = List.of(ApiRequest.Peers.class, ApiRequest.TargetCidrs.class,
            ApiRequest.Cidrs.class, ApiRequest.PeerForce.class, ApiRequest.OwnerSubnet.class, ApiRequest.OwnerCidr.class,
            ApiRequest.Owner.class, ApiRequest.DnsNames.class, ApiRequest.PolicyQuestion.class, ApiRequest.Empty.class);
    /** Every reply {@link ApiClient} reads, the error body included. */
    private static final List<Class<?>> REPLIES = List.of(StatusReport.class, ApiReply.Forgotten.class, Attachment.class,
            ApiReply.Result.class, ApiReply.Phase.class, ApiReply.Address.class, ApiReply.Released.class, ApiReply.Addresses.class,
            DnsStatus.class, ApiReply.DnsEntries.class, PolicyStatus.class, ApiReply.PolicyVerdict.class, ApiReply.Stopping.class,
            ApiReply.Failure.class);
    private static final List<TypeReference<? extends List<?>>> LIST_REPLIES = List.of(new TypeReference<List<ConnectResult>>() {
    }, new TypeReference<List<Attachment>>() {
    });
    /** The token {@link #authorization} checks headers against. */
    private static final ApiToken TOKEN = ApiToken.parse("5d0c2a41f3b7e8966c1d4e0fa2b35c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7").orElseThrow();

    // the router's and the plugin's mapper: a plain one
    private final ApiCodec codec = new ApiCodec(new ObjectMapper());

    @TempDir
    Path dataDirectory;

    @FuzzTest
    void request(byte[] body) {
        for (Class<? extends ApiRequest> type : REQUESTS) {
            ApiRequest request;
            try {
                request = codec.readRequest(body, type);
            } catch (IllegalArgumentException refused) {
                // the router sends the message back as the reply's error
                assertFalse(refused.getMessage() == null || refused.getMessage().isBlank(), "a refusal without a reason");
                codec.write(new ApiReply.Failure(refused.getMessage()));
                continue;
            }
            assertEquals(request, codec.readRequest(codec.write(request), type));
        }
    }

    @FuzzTest
    void reply(byte[] reply) throws IOException {
        for (Class<?> type : REPLIES) {
            Object read;
            try {
                read = codec.readReply(reply, type);
            } catch (IOException refused) {
                continue;
            }
            if (read != null) assertEquals(read, codec.readReply(codec.writePretty(read), type));
        }
        for (TypeReference<? extends List<?>> type : LIST_REPLIES) {
            try {
                codec.readReply(reply, type);
            } catch (IOException refused) {
                // the client's "a reply this client does not understand"
            }
        }
        try {
            codec.readTree(reply);
        } catch (IOException refused) {
            // weft report's "a reply that is not JSON"
        }
        // the command line's own reader takes no more than the mapper, and reads what it takes as the mapper does
        for (Class<?> type : REPLIES) {
            Object lean;
            try {
                lean = RecordJson.read(reply, type);
            } catch (IOException refused) {
                continue;
            }
            assertEquals(readByMapper(reply, type), lean, "RecordJson and ApiCodec read a " + type.getSimpleName() + " differently");
        }
        List<Class<?>> elements = List.of(ConnectResult.class, Attachment.class); // LIST_REPLIES' elements, in order
        for (int i = 0; i < elements.size(); i++) {
            List<?> lean;
            try {
                lean = RecordJson.readList(reply, elements.get(i));
            } catch (IOException refused) {
                continue;
            }
            List<?> byMapper;
            try {
                byMapper = codec.readReply(reply, LIST_REPLIES.get(i));
            } catch (IOException refused) {
                throw new AssertionError("RecordJson took a list ApiCodec refuses: " + refused.getMessage(), refused);
            }
            assertEquals(byMapper, lean, "RecordJson and ApiCodec read a list differently");
        }
    }

    private Object readByMapper(byte[] reply, Class<?> type) {
        try {
            return codec.readReply(reply, type);
        } catch (IOException refused) {
            throw new AssertionError("RecordJson took a " + type.getSimpleName() + " ApiCodec refuses: " + refused.getMessage(), refused);
        }
    }

    /** The head and body of a reply as {@link HttpCall} reads them off the socket: a reply, or an {@link IOException}. */
    @FuzzTest
    void httpReply(byte[] reply) {
        try {
            HttpCall.Reply read = HttpCall.read(new ByteArrayInputStream(reply));
            assertTrue(read.status() >= 100 && read.status() <= 599, "status " + read.status());
            assertTrue(read.body().length <= reply.length, "a body longer than the reply");
        } catch (IOException refused) {
            // the client says it cannot read the router's reply
        }
    }

    @FuzzTest
    void tokenFile(byte[] content) throws IOException {
        Files.write(dataDirectory.resolve(ApiToken.FILE_NAME), content);
        Optional<ApiToken> read = ApiToken.readFrom(dataDirectory);
        if (content.length <= 1024) assertEquals(ApiToken.parse(new String(content, StandardCharsets.US_ASCII)), read);
        if (read.isPresent()) {
            assertEquals(read, ApiToken.parse(read.get().fileContent()));
            assertTrue(read.get().authorizes(read.get().authorization()));
        }
    }

    @FuzzTest
    void authorization(byte[] header) {
        // the JDK's HTTP server gives header values as ISO-8859-1
        String value = new String(header, StandardCharsets.ISO_8859_1);
        if (TOKEN.authorizes(value)) assertEquals(TOKEN.authorization(), "Bearer " + value.strip().substring("Bearer ".length()).strip());
    }

    @FuzzTest
    void locationFile(byte[] content) throws IOException {
        Files.write(dataDirectory.resolve(ApiLocation.FILE_NAME), content);
        Optional<ApiLocation> read = ApiLocation.readFrom(dataDirectory);
        if (read.isPresent()) {
            // what the client does with it next
            read.get().socketAddress();
            read.get().address();
        }
    }
}
