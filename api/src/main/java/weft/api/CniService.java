package weft.api;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The CNI plugin run inside the router: the plugin's launcher hands each call over ({@link Endpoint#CNI}) instead of
 * starting a JVM for it, which cost more than the call itself. A call is what the runtime gave the plugin: its
 * {@code CNI_*} variables, sent as {@code Cni-*} headers ({@link #header}), and the network configuration as the body;
 * the reply is what the plugin prints and its exit status. Implementations are thread-safe: the API serves calls
 * side by side.
 */
public interface CniService {
    /** The variables a call carries; {@code CNI_PATH} is not among them, as the plugin calls no other plugin. */
    List<String> VARIABLES = List.of("CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS");

    /**
     * The header with the path of the pod's network namespace as the launcher holds it open ({@code /proc/PID/fd/N}):
     * the path the runtime gave may exist only in the runtime's mount namespace, the open file is the same everywhere.
     */
    String HELD_NETNS_HEADER = "Weft-Netns-Held";

    /** The reply header with the plugin's exit status. */
    String EXIT_HEADER = "Weft-Cni-Exit";

    /** What the plugin prints on standard out (the result or the spec's error JSON, empty for a DEL) and its exit status. */
    record Reply(int exit, byte[] stdout) {
    }

    /**
     * Answers one call.
     *
     * @param variables  the call's {@code CNI_*} variables, those it was given
     * @param config     the network configuration, as read from standard in
     * @param heldNetns  where the router opens the pod's namespace, when the launcher holds it
     */
    Reply call(Map<String, String> variables, byte[] config, Optional<String> heldNetns);

    /** The header that carries {@code variable}: {@code CNI_CONTAINERID} travels as {@code Cni-Containerid}. */
    static String header(String variable) {
        String rest = variable.substring("CNI_".length()).toLowerCase(Locale.ROOT);
        return "Cni-" + Character.toUpperCase(rest.charAt(0)) + rest.substring(1);
    }
}
