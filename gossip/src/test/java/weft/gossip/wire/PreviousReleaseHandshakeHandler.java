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
 * The handshake of a mesh connection as the previous release runs it (commit bace787, mesh protocol 3), kept
 * unchanged so that tests can prove that this release still connects to it both ways: a DaemonSet upgrades one
 * node at a time. Only names and visibility differ from that release's {@code HandshakeHandler}; do not fix or tidy
 * this file, replace it with the then-previous release's handler when the protocol changes again.
 *
 * <p>Its documentation as it was:
 *
 * <p>The handshake of a mesh connection, from the first byte to an established connection.
 *
 * <ol>
 * <li>Both sides send their {@link Hello} as soon as the channel is active and read the other's.
 * <li>If exactly one side has a password, both close, each saying which side lacks it. If neither
 *     has, the connection is established in the clear.
 * <li>If both have, each derives {@link SessionKeys} from the password, the X25519 agreement of the
 *     two hello keys and the transcript {@code initiator hello ‖ responder hello} (bytes as sent),
 *     inserts a {@link SealingCodec} before this handler, and sends a sealed
 *     {@link MeshMessage.Confirm} first. The connection is established only when the peer's Confirm
 *     opens and carries the confirmation we expect; binding it to the transcript means a tampered
 *     hello (a stripped password flag, a swapped key) fails here.
 * </ol>
 * The timeout covers all of it. On success this handler replaces itself with the established
 * handlers (message codec, idle timers, heartbeats) and tells the {@link Listener}; any refusal
 * closes the channel with a {@link CloseReason}.
 *
 * <p>One instance per channel; runs on the channel's event loop.
 */
final class PreviousReleaseHandshakeHandler extends ChannelInboundHandlerAdapter {
    /** Told once, on the channel's event loop, when the handshake has succeeded. */
    interface Listener {
        /** @param keys the session's keys when both sides have a password, else empty (plaintext) */
        void onEstablished(Hello theirs, Optional<SessionKeys> keys);
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

    /**
     * @param ours      our hello; carries {@code ephemeral}'s public key iff {@code password} is present
     * @param initiator whether we dialled: decides the transcript order and which keys are ours
     * @param clock     times the control keys' age for rekeying
     */
    PreviousReleaseHandshakeHandler(Hello ours, Optional<PasswordKey> password, Optional<EphemeralKeyPair> ephemeral,
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
        timer = ctx.executor().schedule(
                () -> CloseReason.close(ctx.channel(), "handshake timed out after " + timeout.toMillis() + " ms"),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
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
        switch (Hello.decode(frame, HandshakeEnds.PREVIOUS_VERSIONS)) { // VersionRange.SUPPORTED was 3..3 then
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
            refuse(ctx, "handshake refused: " + e.getMessage()); // a low-order key: an attacker, not a bug
            return;
        }
        byte[] first = initiator ? ourHelloBytes : theirHelloBytes;
        byte[] second = initiator ? theirHelloBytes : ourHelloBytes;
        byte[] transcript = new byte[first.length + second.length];
        System.arraycopy(first, 0, transcript, 0, first.length);
        System.arraycopy(second, 0, transcript, first.length, second.length);
        keys = SessionKeys.derive(password.orElseThrow(), secret, transcript, initiator);
        ctx.pipeline().addBefore(ctx.name(), "sealing", new PreviousReleaseSealingCodec(keys.controlSend(clock), keys.controlReceive()));
        phase = Phase.CONFIRM;
        ctx.writeAndFlush(MeshMessage.encode(new MeshMessage.Confirm(keys.ourConfirmation()), ctx.alloc()));
    }

    private void onConfirm(ChannelHandlerContext ctx, ByteBuf frame) {
        switch (MeshMessage.decode(frame)) {
            case Decoding.Decoded<MeshMessage>(MeshMessage.Confirm(byte[] tag)) when keys.confirmedBy(tag) ->
                    establish(ctx, Optional.of(keys));
            case Decoding.Decoded<MeshMessage>(MeshMessage.Confirm _) -> refuse(ctx, PreviousReleaseSealingCodec.PASSWORD_MISMATCH);
            case Decoding.Decoded<MeshMessage>(MeshMessage other) ->
                    refuse(ctx, "handshake refused: expected a confirmation, got " + other.getClass().getSimpleName());
            case Decoding.Refused<MeshMessage>(String reason) -> refuse(ctx, "handshake refused: " + reason);
        }
    }

    private void establish(ChannelHandlerContext ctx, Optional<SessionKeys> sessionKeys) {
        phase = Phase.DONE;
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

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
