package weft.kube.cni;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One call of the plugin as the runtime made it: the operation and its parameters from the environment, and the
 * network configuration from standard in, each checked as the spec says. A call that is not valid is refused with
 * the spec's code: 4 for the environment (naming the variables), 6 for a configuration that is not JSON, 7 for one
 * that is invalid, 1 for a version we do not speak. Immutable.
 *
 * @param containerId {@code CNI_CONTAINERID}; empty only where the operation does not require it
 * @param netns       {@code CNI_NETNS}, an absolute path; empty where not given (DEL may lack it)
 * @param ifname      {@code CNI_IFNAME}; empty only where the operation does not require it
 * @param args        {@code CNI_ARGS}, {@code K=V;K2=V2}
 * @param config      the network configuration
 */
record CniRequest(CniCommand command, String containerId, Optional<String> netns, String ifname, Map<String, String> args,
                  NetworkConfig config) {
    /** As the spec spells a container ID and a network name: alphanumeric first, then alphanumerics, '_', '.', '-'. */
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");
    /** A Linux interface name: 1 to 15 bytes, none of them '/', ':', white space. */
    private static final Pattern INTERFACE = Pattern.compile("[^/:\\s]{1,15}");

    /**
     * The network configuration, as far as the plugin reads it.
     *
     * @param cniVersion       the version chosen: the highest of {@code cniVersion} and {@code cniVersions} that we speak
     * @param prevResult       the result of the plugins before this one, or of the ADD (for DEL and CHECK)
     * @param validAttachments GC only: {@code cni.dev/valid-attachments}
     * @param raw              the whole object, for what a later part reads (options of its own)
     */
    record NetworkConfig(String cniVersion, String name, String type, Optional<JsonNode> prevResult,
                         List<ValidAttachment> validAttachments, JsonNode raw) {
    }

    /** An attachment GC must keep: the container ID and interface name of an ADD. */
    record ValidAttachment(String containerId, String ifname) {
    }

    /** The call in {@code environment} and {@code stdin}, or the error to answer it with. */
    static CniRequest parse(Map<String, String> environment, byte[] stdin, ObjectMapper json) throws CniException {
        CniCommand command = command(environment.get("CNI_COMMAND"));
        List<String> invalid = new ArrayList<>();
        for (String name : command.required()) {
            if (!valid(name, environment.get(name))) invalid.add(name);
        }
        for (String name : List.of("CNI_NETNS", "CNI_CONTAINERID", "CNI_IFNAME")) {
            String value = environment.get(name);
            if (value != null && !value.isEmpty() && !valid(name, value) && !invalid.contains(name)) invalid.add(name);
        }
        if (!invalid.isEmpty()) {
            throw new CniException(CniException.INVALID_ENVIRONMENT, "invalid environment variables " + String.join(", ", invalid),
                    String.join("; ", invalid.stream().map(name -> name + " " + why(name, environment.get(name))).toList()));
        }
        Map<String, String> args = args(environment.getOrDefault("CNI_ARGS", ""));
        NetworkConfig config = config(stdin, json, command);
        return new CniRequest(command, environment.getOrDefault("CNI_CONTAINERID", ""),
                Optional.ofNullable(environment.get("CNI_NETNS")).filter(s -> !s.isEmpty()), environment.getOrDefault("CNI_IFNAME", ""),
                args, config);
    }

    private static CniCommand command(String value) throws CniException {
        if (value == null || value.isEmpty()) {
            throw new CniException(CniException.INVALID_ENVIRONMENT, "CNI_COMMAND is not set", "CNI_COMMAND must be one of ADD, DEL, CHECK, STATUS, GC, VERSION");
        }
        try {
            return CniCommand.valueOf(value);
        } catch (IllegalArgumentException e) {
            throw new CniException(CniException.INVALID_ENVIRONMENT, "unknown CNI_COMMAND '" + value + "'",
                    "CNI_COMMAND must be one of ADD, DEL, CHECK, STATUS, GC, VERSION");
        }
    }

    private static boolean valid(String name, String value) {
        if (value == null || value.isEmpty()) return false;
        return switch (name) {
            case "CNI_CONTAINERID" -> IDENTIFIER.matcher(value).matches();
            case "CNI_IFNAME" -> INTERFACE.matcher(value).matches() && !value.equals(".") && !value.equals("..");
            case "CNI_NETNS" -> value.startsWith("/") && !value.contains("\0");
            default -> true;
        };
    }

    private static String why(String name, String value) {
        if (value == null || value.isEmpty()) return "is not set";
        return switch (name) {
            case "CNI_CONTAINERID" -> "'" + value + "' must start with a letter or digit, then letters, digits, '_', '.' or '-'";
            case "CNI_IFNAME" -> "'" + value + "' is not an interface name (1 to 15 characters, no '/', ':' or white space)";
            case "CNI_NETNS" -> "'" + value + "' is not an absolute path";
            default -> "is invalid";
        };
    }

    /** {@code K=V;K2=V2}: empty pieces are skipped, a piece without '=' or with an empty key is an error. */
    static Map<String, String> args(String text) throws CniException {
        Map<String, String> args = new LinkedHashMap<>();
        for (String piece : text.split(";")) {
            if (piece.isEmpty()) continue;
            int equals = piece.indexOf('=');
            if (equals <= 0) {
                throw new CniException(CniException.INVALID_ENVIRONMENT, "invalid CNI_ARGS", "'" + piece + "' in CNI_ARGS is not KEY=VALUE");
            }
            args.put(piece.substring(0, equals), piece.substring(equals + 1));
        }
        return args;
    }

    private static NetworkConfig config(byte[] stdin, ObjectMapper json, CniCommand command) throws CniException {
        JsonNode root;
        try {
            root = json.readTree(stdin);
        } catch (JacksonException e) {
            throw new CniException(CniException.UNDECODABLE, "the network configuration is not JSON", e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new CniException(CniException.IO_FAILURE, "cannot read the network configuration", String.valueOf(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new CniException(CniException.UNDECODABLE, "the network configuration is not a JSON object", "standard in held "
                    + (root == null || root.isMissingNode() ? "nothing" : root.getNodeType().name().toLowerCase()));
        }
        Set<String> offered = new LinkedHashSet<>();
        offered.add(text(root, "cniVersion", true));
        JsonNode versions = root.path("cniVersions");
        if (!versions.isMissingNode()) {
            if (!versions.isArray()) throw invalid("cniVersions must be a list of versions");
            for (JsonNode v : versions) {
                if (!v.isTextual()) throw invalid("cniVersions must be a list of versions");
                offered.add(v.asText());
            }
        }
        String version = CniVersion.choose(offered).orElseThrow(() -> new CniException(CniException.INCOMPATIBLE_VERSION,
                "incompatible CNI version", "the configuration offers " + offered + "; weft-net speaks " + CniVersion.SUPPORTED));
        if (!CniVersion.atLeast(version, command.since())) {
            throw new CniException(CniException.INCOMPATIBLE_VERSION, "incompatible CNI version",
                    command + " needs CNI " + command.since() + " or later; the configuration is " + version);
        }
        String name = text(root, "name", command != CniCommand.VERSION);
        if (command != CniCommand.VERSION && !IDENTIFIER.matcher(name).matches()) {
            throw invalid("network name '" + name + "' must start with a letter or digit, then letters, digits, '_', '.' or '-'");
        }
        String type = text(root, "type", command != CniCommand.VERSION);
        JsonNode prev = root.path("prevResult");
        if (!prev.isMissingNode() && !prev.isNull() && !prev.isObject()) throw invalid("prevResult must be an object");
        return new NetworkConfig(version, name, type, prev.isObject() ? Optional.of(prev) : Optional.empty(), validAttachments(root), root);
    }

    private static List<ValidAttachment> validAttachments(JsonNode root) throws CniException {
        JsonNode list = root.path("cni.dev/valid-attachments");
        if (list.isMissingNode() || list.isNull()) return List.of();
        if (!list.isArray()) throw invalid("cni.dev/valid-attachments must be a list");
        List<ValidAttachment> valid = new ArrayList<>();
        for (JsonNode a : list) {
            if (!a.path("containerID").isTextual() || !a.path("ifname").isTextual()) {
                throw invalid("each of cni.dev/valid-attachments needs containerID and ifname, got " + a);
            }
            valid.add(new ValidAttachment(a.path("containerID").asText(), a.path("ifname").asText()));
        }
        return List.copyOf(valid);
    }

    private static String text(JsonNode root, String field, boolean required) throws CniException {
        JsonNode node = root.path(field);
        if (node.isTextual() && !node.asText().isEmpty()) return node.asText();
        if (!required && (node.isMissingNode() || node.isNull())) return "";
        throw invalid(field + " must be a non-empty string" + (node.isMissingNode() ? " (it is missing)" : ", not " + node));
    }

    private static CniException invalid(String details) {
        return new CniException(CniException.INVALID_CONFIGURATION, "invalid network configuration", details);
    }
}
