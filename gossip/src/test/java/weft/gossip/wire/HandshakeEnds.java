package weft.gossip.wire;

import weft.gossip.PeerName;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.ReferenceCountUtil;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import weft.crypto.Argon2Cost;
import weft.crypto.EphemeralKeyPair;
import weft.crypto.HandshakeSecrets;
import weft.crypto.PasswordKey;
import weft.crypto.SessionKeys;

/**
 * Handshake pipelines of this release and of the previous one on {@link EmbeddedChannel}s, joined back to back
 * by {@link #exchange}, and the attacker's view of what a channel sent ({@link #frames}). Test fixture; one
 * thread.
 */
final class HandshakeEnds {
    static final PasswordKey SECRET = PasswordKey.derive("correct horse".toCharArray(), Argon2Cost.TESTING);
    static final PasswordKey OTHER = PasswordKey.derive("battery staple".toCharArray(), Argon2Cost.TESTING);
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final Duration BEAT = Duration.ofSeconds(5);

    /** What a handshake's listener heard. */
    static final class Outcome {
        Hello theirs;
        Optional<SessionKeys> keys;
        final List<String> authenticationFailures = new ArrayList<>();

        boolean established() {
            return theirs != null;
        }
    }

    private HandshakeEnds() {}

    /** Deterministic randomness for test keys, so that a failure can be replayed; never for real keys. */
    static SecureRandom seeded(long seed) {
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed);
            return random;
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** What the previous release spoke. */
    static final VersionRange PREVIOUS_VERSIONS = new VersionRange(3, 3);

    static Hello hello(String nickname, long connectionId, VersionRange versions, Optional<byte[]> publicKey) {
        return new Hello(versions, PeerName.parse("02:00:00:00:00:" + String.format("%02x", connectionId)),
                1, connectionId, 6783, nickname, false, publicKey.orElse(new byte[0]));
    }

    /** A pipeline of this release, as {@code MeshEdge} builds it (without the adapter). */
    static EmbeddedChannel current(boolean initiator, Optional<PasswordKey> password, SecureRandom random,
            Duration timeout, Outcome outcome) {
        return current(initiator, VersionRange.SUPPORTED, password, random, timeout, outcome);
    }

    /** The same, speaking only {@code versions}. */
    static EmbeddedChannel current(boolean initiator, VersionRange versions, Optional<PasswordKey> password,
            SecureRandom random, Duration timeout, Outcome outcome) {
        Optional<HandshakeSecrets> secrets = password.map(p -> HandshakeSecrets.generate(p, random));
        HandshakeHandler handshake = new HandshakeHandler(hello(initiator ? "new-i" : "new-r", initiator ? 1 : 2,
                versions, secrets.map(s -> s.ephemeral().publicKey())),
                secrets, initiator, InstantSource.system(), timeout, BEAT, BEAT.multipliedBy(3),
                new HandshakeHandler.Listener() {
                    @Override
                    public void onEstablished(Hello theirs, Optional<SessionKeys> keys) {
                        outcome.theirs = theirs;
                        outcome.keys = keys;
                    }

                    @Override
                    public void onAuthenticationFailed(String reason) {
                        outcome.authenticationFailures.add(reason);
                    }
                });
        return new EmbeddedChannel(new MeshFrameDecoder(), MeshFrameDecoder.encoder(), handshake, new ErrorCloser());
    }

    /** A pipeline of the previous release: its handshake, and its frame decoder, which took 1 MiB frames from the start. */
    static EmbeddedChannel previous(boolean initiator, Optional<PasswordKey> password, SecureRandom random,
            Outcome outcome) {
        Optional<EphemeralKeyPair> ephemeral = password.map(p -> EphemeralKeyPair.generate(random));
        ChannelHandler handshake = new PreviousReleaseHandshakeHandler(hello(initiator ? "old-i" : "old-r",
                initiator ? 3 : 4, PREVIOUS_VERSIONS, ephemeral.map(EphemeralKeyPair::publicKey)), password, ephemeral, initiator, InstantSource.system(), TIMEOUT, BEAT,
                BEAT.multipliedBy(3), (theirs, keys) -> {
                    outcome.theirs = theirs;
                    outcome.keys = keys;
                });
        return new EmbeddedChannel(
                new LengthFieldBasedFrameDecoder(MeshFrameDecoder.MAX_FRAME_BYTES + 4, 0, 4, 0, 4, true),
                MeshFrameDecoder.encoder(), handshake, new ErrorCloser());
    }

    /**
     * Carries what each channel writes to the other until neither writes more, then a close to the other end (as
     * TCP would: after the bytes written before it).
     */
    static void exchange(EmbeddedChannel a, EmbeddedChannel b) {
        boolean moved = true;
        while (moved) {
            moved = carry(a, b) | carry(b, a);
            if (!moved && a.isOpen() != b.isOpen()) {
                (a.isOpen() ? a : b).close();
                moved = true;
            }
        }
    }

    private static boolean carry(EmbeddedChannel from, EmbeddedChannel to) {
        from.runPendingTasks();
        boolean moved = false;
        for (Object message; (message = from.readOutbound()) != null; moved = true) {
            if (to.isOpen()) {
                to.writeInbound(message);
            } else {
                ReferenceCountUtil.release(message); // the other end is gone: TCP would drop it too
            }
        }
        return moved;
    }

    /** The payloads of the frames {@code channel} has written since last asked, as a peer would cut them. */
    static List<byte[]> frames(EmbeddedChannel channel) {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf part; (part = channel.readOutbound()) != null; part.release()) {
            all.writeBytes(part);
        }
        List<byte[]> frames = new ArrayList<>();
        while (all.readableBytes() >= 4) {
            int length = all.readInt();
            frames.add(ByteBufUtil.getBytes(all.readSlice(length)));
        }
        if (all.isReadable()) {
            throw new AssertionError(all.readableBytes() + " bytes of a partial frame");
        }
        all.release();
        return frames;
    }

    /** {@code payload} with its length in front, as one inbound buffer. */
    static ByteBuf framed(byte[] payload) {
        return Unpooled.buffer(4 + payload.length).writeInt(payload.length).writeBytes(payload);
    }

    static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
