package weft.router.fastpath;

import weft.crypto.EspKey;

import java.util.Objects;

/**
 * The ESP keys of one encrypted pair, from its mesh connection's session: {@code send} for the fast-path packets
 * we send the peer, {@code receive} for those it sends us; {@code rollover} when both ends roll them over as the
 * pair ages (see {@link EspRollover}). Immutable value; never printed with its keys.
 */
public record EspKeys(EspKey send, EspKey receive, boolean rollover) {
    public EspKeys {
        Objects.requireNonNull(send, "send");
        Objects.requireNonNull(receive, "receive");
    }
}
