package weft.api;

/**
 * The outcome of the first attempt to reach a target given to {@code weft connect}.
 *
 * @param connected true if the first attempt made a connection
 * @param message   the peer reached, or why not
 */
public record ConnectResult(String target, boolean connected, String message) {
}
