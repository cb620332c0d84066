package weft.gossip.wire;

/**
 * What a decoder made of untrusted bytes: a value, or the reason it refused them. Decoders return
 * this instead of throwing, so a peer's garbage costs a closed connection and a log line, never a
 * stack trace.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param <T> the decoded type
 */
public sealed interface Decoding<T> {
    /** The bytes made a valid {@code value}. */
    record Decoded<T>(T value) implements Decoding<T> {}

    /** The bytes were refused; {@code reason} is one line for the log, e.g. "truncated hello". */
    record Refused<T>(String reason) implements Decoding<T> {}
}
