package weft.api;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.type.LogicalType;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The API's JSON, configured once for both ends so that they agree on the wire format. Requests are read strictly:
 * a field of the wrong type, a null in a list or a field the record does not have is refused with a message naming
 * the field. Replies are read tolerantly: fields this side does not know are skipped and absent lists and maps are
 * empty, so that an older client reads a newer router's replies and the other way round. Thread-safe.
 */
public final class ApiCodec {
    private final ObjectReader requests;
    private final ObjectReader replies;
    private final ObjectWriter compact;
    private final ObjectWriter pretty;

    /** Copies {@code base} (keeping its modules) and configures the copy; {@code base} itself is left as it was. */
    public ApiCodec(ObjectMapper base) {
        ObjectMapper json = base.copy();
        // Jackson's defaults turn 7 into "7" and 1 or "true" into true; the API has always refused a number where a
        // string belongs, and refuses it everywhere now.
        json.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        json.coercionConfigFor(LogicalType.Boolean)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        JsonSetter.Value emptyWhenAbsentNoNullInside = JsonSetter.Value.construct(Nulls.AS_EMPTY, Nulls.FAIL);
        json.configOverride(List.class).setSetterInfo(emptyWhenAbsentNoNullInside);
        json.configOverride(Map.class).setSetterInfo(emptyWhenAbsentNoNullInside);
        // Unknown request fields are refused rather than ignored: a misspelt "cidr" would otherwise attach with an
        // address from the allocator instead of the one asked for, and an option a newer client sends to an older
        // router would be silently not honoured. Replies skip unknown fields: a newer router may add some.
        requests = json.reader().with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        replies = json.reader().without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        compact = json.writer();
        pretty = json.writerWithDefaultPrettyPrinter();
    }

    /** A request or reply as compact JSON. */
    public byte[] write(Object value) {
        try {
            return compact.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getName() + " as JSON", e); // our own records always can
        }
    }

    /** A reply as indented JSON, as the router sends it so that {@code curl} output reads well. */
    public byte[] writePretty(Object value) {
        try {
            return pretty.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getName() + " as JSON", e);
        }
    }

    /**
     * Reads a request body; an empty body is an empty object. Never throws anything but
     * {@link IllegalArgumentException}, whose message is the reply to the client and names the field at fault.
     */
    public <T extends ApiRequest> T readRequest(byte[] body, Class<T> type) {
        JsonNode tree;
        try {
            tree = body.length == 0 ? requests.createObjectNode() : requests.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("request body is not valid JSON: " + originalMessage(e));
        }
        if (tree == null || !tree.isObject()) throw new IllegalArgumentException("request body must be a JSON object");
        try {
            return requests.forType(type).readValue(tree);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException("unknown field '" + e.getPropertyName() + "': " + fieldsOf(type));
        } catch (ValueInstantiationException e) {
            // the record's constructor refused the value; its message is worded for the client
            if (e.getCause() instanceof IllegalArgumentException refused) throw new IllegalArgumentException(refused.getMessage(), e);
            throw new IllegalArgumentException("invalid request: " + e.getOriginalMessage(), e);
        } catch (MismatchedInputException e) {
            if (e.getPath().isEmpty() || e.getPath().getFirst().getFieldName() == null) {
                throw new IllegalArgumentException("invalid request: " + e.getOriginalMessage(), e);
            }
            throw new IllegalArgumentException(wrongType(type, e.getPath().getFirst().getFieldName()), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid request: " + originalMessage(e), e);
        }
    }

    /** Reads a reply, skipping fields this side does not know. */
    public <T> T readReply(byte[] reply, Class<T> type) throws IOException {
        return replies.forType(type).readValue(reply);
    }

    public <T> T readReply(byte[] reply, TypeReference<T> type) throws IOException {
        return replies.forType(type).readValue(reply);
    }

    /** Reads a reply as a tree, for a client that shows it whole, fields it does not know included. */
    public JsonNode readTree(byte[] reply) throws IOException {
        return replies.readTree(reply);
    }

    /** Every request record holds strings, lists of strings, booleans and numbers; the message says which one the field is. */
    private static String wrongType(Class<?> type, String field) {
        Class<?> declared = Arrays.stream(type.getRecordComponents()).filter(c -> c.getName().equals(field))
                .findFirst().<Class<?>>map(RecordComponent::getType).orElse(Object.class);
        if (declared == List.class) return "'" + field + "' must be a list of strings";
        if (declared == boolean.class) return "'" + field + "' must be true or false";
        if (declared == int.class) return "'" + field + "' must be a number";
        if (declared == String.class) return "'" + field + "' is required and must be a string";
        return "'" + field + "' has the wrong type";
    }

    private static String fieldsOf(Class<?> type) {
        RecordComponent[] components = type.getRecordComponents();
        if (components.length == 0) return "this request takes no fields";
        return "this request takes " + Arrays.stream(components).map(RecordComponent::getName).collect(Collectors.joining(", "));
    }

    private static String originalMessage(IOException e) {
        return e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
    }
}
