package weft.proxy.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One call's JSON body as the engine sent it, read field by field with the checks every external input gets: a field
 * that is missing or of the wrong shape is refused with an {@link IllegalArgumentException} naming it, which the
 * plugin answers with 400 and the message. Immutable.
 */
record PluginRequest(String method, JsonNode body) {
    /** Docker's network and endpoint IDs: 64 hex digits; anything of letters and digits from 9 to 128 is taken. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9]{9,128}");

    /** The string field {@code name}, which must be present. */
    String text(String name) {
        JsonNode node = body.path(name);
        if (!node.isTextual()) throw new IllegalArgumentException(method + ": '" + name + "' must be a string" + (node.isMissingNode() ? " (it is missing)" : ""));
        return node.asText();
    }

    /** The string field {@code name}, empty when it is missing, null or "". */
    Optional<String> optionalText(String name) {
        JsonNode node = body.path(name);
        if (node.isMissingNode() || node.isNull()) return Optional.empty();
        if (!node.isTextual()) throw new IllegalArgumentException(method + ": '" + name + "' must be a string");
        return Optional.of(node.asText()).filter(text -> !text.isEmpty());
    }

    /** The network or endpoint ID in field {@code name}. */
    String id(String name) {
        String value = text(name);
        if (!ID.matcher(value).matches()) throw new IllegalArgumentException(method + ": '" + name + "' is not an ID: " + value);
        return value;
    }

    /** The object field {@code name}, a missing node when absent or null. */
    PluginRequest object(String name) {
        JsonNode node = body.path(name);
        if (!node.isMissingNode() && !node.isNull() && !node.isObject()) throw new IllegalArgumentException(method + ": '" + name + "' must be an object");
        return new PluginRequest(method, node.isNull() ? MissingNode.getInstance() : node);
    }

    boolean flag(String name) {
        JsonNode node = body.path(name);
        if (!node.isMissingNode() && !node.isNull() && !node.isBoolean()) throw new IllegalArgumentException(method + ": '" + name + "' must be true or false");
        return node.asBoolean(false);
    }
}
