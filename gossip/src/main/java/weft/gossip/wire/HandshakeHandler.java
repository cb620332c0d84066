package weft.gossip.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import weft.crypto.EphemeralKeyPair;
import weft.crypto.PasswordKey;
import weft.crypto.SessionKeys;

/**
 * The handshake of a mesh connection, from the first byte to an established connection.
 *
 * <ol>
 * <li>Both sides send their {@link Hello} as soon as the channel is active and read the other's.
 * <li>If exactly one side has a password, both close, each saying which side lacks it. If neither
 *     has, the connection is established in the clear.
 * <li>If both have, each derives {@link SessionKeys} from the password, the X25519 agreement of the
 *     two hello keys and the transcript {@code initiator hello ‖ responder hello} (bytes as sent) and
 *     inserts a {@link SealingCodec} before this handler. The initiator sends its sealed
 *     {@link MeshMessage.Confirm} at once; the responder sends its own only after the initiator's has
 *     opened and carried the confirmation it expects, and then both are established. Binding the
 *     confirmations to the transcript means a tampered hello (a stripped password flag, a swapped key)
 *     fails here.
 * </ol>
 * Why the responder waits: whoever receives a confirmation holds something that depends on the
 * password and on an X25519 secret it knows (its own), so it can test password guesses against it
 * offline, one Argon2id run each. A stranger who connects to port 6783 is always the initiator, and
 * the responder says nothing that depends on the password until the stranger has proved it: all
 * it takes away from a failed guess is the hellos and the {@linkplain SealingCodec#MISMATCH_NOTICE_BYTES
 * mismatch notice}, so each guess costs one live handshake. What remains until a PAKE replaces the
 * password input of the key schedule: a router that <em>dials</em> an attacker (a target or
 * discovered address the attacker controls or intercepts) still hands it the initiator's
 * confirmation, and that one can be guessed against offline.
 *
 * <p>Compatibility with the previous release (mesh protocol 3 as well), which sends its confirmation
 * as soon as it has the peer's hello in both roles: as initiator it never waits for ours, so a
 * responder that waits for it is served; as responder it confirms first, which this initiator, doing
 * the same as before, accepts.
 *
 * <p>The timeout covers all of it. Until the handshake succeeds the {@link MeshFrameDecoder} takes
 * only {@linkplain MeshFrameDecoder#HANDSHAKE_MAX_FRAME_BYTES small frames}; on success this handler
 * lifts that limit, replaces itself with the established handlers (message codec, idle timers,
 * heartbeats) and tells the {@link Listener}; any refusal closes the channel with a
 * {@link CloseReason}, and a peer that failed to prove the password (see
 * {@link Listener#onAuthenticationFailed}) is told of too.
 *
 * <p>One instance per channel; runs on the channel's event loop.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {
    /** Told on the channel's event loop how the handshake ended. */
    public interface Listener {
        /**
         * Told once, when the handshake has succeeded.
         *
         * @param keys the session's keys when both sides have a password, else empty (plaintext)
         */
        void onEstablished(Hello theirs, Optional<SessionKeys> keys);

        /**
         * Told at most once, when the channel has closed before the handshake succeeded because the peer
         * did not prove the password: its confirmation did not open (another password) or was wrong, it
         * sent a low-order key, it hung up while we waited for its confirmation, or time ran out. Refusals
         * that mean a misconfiguration rather than a guess (a bad hello, no common version, a password on
         * one side only) are not told here.
         *
         * @param reason the channel's {@link CloseReason}
         */
        default void onAuthenticationFailed(String reason) {}
    }

    private enum Phase { HELLO, CONFIRM, DONE }

    private final Hello ours;
    private final Optional<PasswordKey> password;
    private final Optional<EphemeralKeyPair> ephemeral;
    private final boolean initiator;
    private final InstantSource clock;
    private final Duration timeout;
    private final Duration heartbeatInterval;
    private final Duration silenceLimit;
    private final Listener listener;
    private byte[] ourHelloBytes; // as sent: half of the transcript
    private Phase phase = Phase.HELLO;
    private Hello theirs;
    private SessionKeys keys;
    private ScheduledFuture<?> timer; // null until the channel is active
    private boolean authenticationFailed; // told to the listener when the channel closes

    /**
     * @param ours      our hello; carries {@code ephemeral}'s public key iff {@code password} is present
     * @param initiator whether we dialled: decides the transcript order and which keys are ours
     * @param clock     times the control keys' age for rekeying
     */
    public HandshakeHandler(Hello ours, Optional<PasswordKey> password, Optional<EphemeralKeyPair> ephemeral,
            boolean initiator, InstantSource clock, Duration timeout, Duration heartbeatInterval,
            Duration silenceLimit, Listener listener) {
        if (password.isPresent() != ephemeral.isPresent() || password.isPresent() != ours.hasPassword()) {
            throw new IllegalArgumentException("password, key pair and hello flag must agree");
        }
        this.ours = ours;
        this.password = password;
        this.ephemeral = ephemeral;
        this.initiator = initiator;
        this.clock = clock;
        this.timeout = timeout;
        this.heartbeatInterval = heartbeatInterval;
        this.silenceLimit = silenceLimit;
        this.listener = listener;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ByteBuf hello = ours.encode(ctx.alloc());
        ourHelloBytes = ByteBufUtil.getBytes(hello);
        ctx.writeAndFlush(hello);
        timer = ctx.executor().schedule(() -> {
            authenticationFailed = true;
            CloseReason.close(ctx.channel(), "handshake timed out after " + timeout.toMillis() + " ms");
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        try {
            if (!(message instanceof ByteBuf frame)) {
                throw new IllegalStateException("handshake expects frames, got " + message.getClass());
            }
            switch (phase) {
                case HELLO -> onHello(ctx, frame);
                case CONFIRM -> onConfirm(ctx, frame);
                case DONE -> { } // a frame behind a refusal, while the channel closes
            }
        } finally {
            ReferenceCountUtil.release(message); // this handler consumes every handshake frame
        }
    }

    private void onHello(ChannelHandlerContext ctx, ByteBuf frame) {
        switch (Hello.decode(frame, VersionRange.SUPPORTED)) {
            case Decoding.Refused<Hello>(String reason) -> refuse(ctx, "bad hello: " + reason);
            case Decoding.Decoded<Hello>(Hello hello) -> {
                theirs = hello;
                String peer = hello.name().label(hello.nickname());
                if (ours.hasPassword() && !hello.hasPassword()) {
                    refuse(ctx, "handshake refused: this router requires a password and peer " + peer + " has none");
                } else if (!ours.hasPassword() && hello.hasPassword()) {
                    refuse(ctx, "handshake refused: peer " + peer + " requires a password and this router has none");
                } else if (!ours.hasPassword()) {
                    establish(ctx, Optional.empty());
                } else {
                    startSession(ctx, ByteBufUtil.getBytes(frame));
                }
            }
        }
    }

    private void startSession(ChannelHandlerContext ctx, byte[] theirHelloBytes) {
        byte[] secret;
        try {
            secret = ephemeral.orElseThrow().agree(theirs.publicKey());
        } catch (IllegalArgumentException e) {
            authenticationFailed = true; // a low-order key: an attacker, not a bug
            refuse(ctx, "handshake refused: " + e.getMessage());
            return;
        }
        byte[] first = initiator ? ourHelloBytes : theirHelloBytes;
        byte[] second = initiator ? theirHelloBytes : ourHelloBytes;
        byte[] transcript = new byte[first.length + second.length];
        System.arraycopy(first, 0, transcript, 0, first.length);
        System.arraycopy(second, 0, transcript, first.length, second.length);
        keys = SessionKeys.derive(password.orElseThrow(), secret, transcript, initiator);
        ctx.pipeline().addBefore(ctx.name(), "sealing", new SealingCodec(keys.controlSend(clock), keys.controlReceive()));
        phase = Phase.CONFIRM;
        if (initiator) {
            sendConfirmation(ctx); // the responder's comes only once ours has checked out: see the class comment
        }
    }

    private void onConfirm(ChannelHandlerContext ctx, ByteBuf frame) {
        switch (MeshMessage.decode(frame)) {
            case Decoding.Decoded<MeshMessage>(MeshMessage.Confirm(byte[] tag)) when keys.confirmedBy(tag) -> {
                if (!initiator) {
                    sendConfirmation(ctx);
                }
                establish(ctx, Optional.of(keys));
            }
            case Decoding.Decoded<MeshMessage>(MeshMessage.Confirm _) ->
                    failAuthentication(ctx, SealingCodec.PASSWORD_MISMATCH);
            case Decoding.Decoded<MeshMessage>(MeshMessage other) -> failAuthentication(ctx,
                    "handshake refused: expected a confirmation, got " + other.getClass().getSimpleName());
            case Decoding.Refused<MeshMessage>(String reason) ->
                    failAuthentication(ctx, "handshake refused: " + reason);
        }
    }

    private void sendConfirmation(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(MeshMessage.encode(new MeshMessage.Confirm(keys.ourConfirmation()), ctx.alloc()));
    }

    private void establish(ChannelHandlerContext ctx, Optional<SessionKeys> sessionKeys) {
        phase = Phase.DONE;
        MeshFrameDecoder frames = ctx.pipeline().get(MeshFrameDecoder.class);
        if (frames == null) {
            throw new IllegalStateException("a handshake needs a MeshFrameDecoder before it in the pipeline");
        }
        frames.handshakeDone(); // before the next frame is decoded: the peer may send large ones from now on
        String name = ctx.name();
        ctx.pipeline()
                .addAfter(name, "heartbeat", new HeartbeatHandler(silenceLimit))
                .addAfter(name, "idle", new IdleStateHandler(silenceLimit.toNanos(),
                        heartbeatInterval.toNanos(), 0, TimeUnit.NANOSECONDS))
                .replace(this, "messages", new MeshMessageCodec());
        listener.onEstablished(theirs, sessionKeys);
    }

    private void refuse(ChannelHandlerContext ctx, String reason) {
        phase = Phase.DONE;
        CloseReason.close(ctx.channel(), reason);
    }

    private void failAuthentication(ChannelHandlerContext ctx, String reason) {
        authenticationFailed = true;
        refuse(ctx, reason);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (phase == Phase.CONFIRM) {
            // the peer's confirmation never came: the sealing codec refused it (another password) or the peer hung
            // up after the hellos
            authenticationFailed = true;
        }
        phase = Phase.DONE;
        if (authenticationFailed) {
            authenticationFailed = false; // told once
            listener.onAuthenticationFailed(CloseReason.of(ctx.channel()));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
