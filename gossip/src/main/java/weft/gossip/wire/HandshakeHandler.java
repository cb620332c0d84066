package weft.gossip.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import weft.crypto.HandshakeSecrets;
import weft.crypto.SessionKeys;

/**
 * The handshake of a mesh connection, from the first byte to an established connection.
 *
 * <ol>
 * <li>Both sides send their {@link Hello} as soon as the channel is active and read the other's. Each then knows the
 *     protocol version they share: the highest in both ranges.
 * <li>If exactly one side has a password, both close, each saying which side lacks it. If neither
 *     has, the connection is established in the clear.
 * <li>If both have and share protocol 4, each sends its CPace share ({@link PakeShare}) and reads the other's, and
 *     derives {@link SessionKeys#derivePake session keys} from the CPace secret, the X25519 agreement of the two hello
 *     keys and the transcript (both shares and both hellos as sent). With protocol 3 (a router of the previous
 *     release), there are no shares and the keys come from the password key itself ({@link SessionKeys#derive}).
 * <li>Either way each inserts a {@link SealingCodec} before this handler. The initiator sends its sealed
 *     {@link MeshMessage.Confirm} at once; the responder sends its own only after the initiator's has
 *     opened and carried the confirmation it expects, and then both are established. Binding the
 *     confirmations to the transcript means a tampered hello (a stripped password flag, a swapped key, a lowered
 *     version range) or share fails here.
 * </ol>
 * Why a PAKE: whoever receives a protocol-3 confirmation holds something that depends on the password and on an
 * X25519 secret it knows (its own), so it can test password guesses against it offline, one Argon2id run each. With
 * protocol 4 a confirmation depends on the CPace secret instead, which someone who used a wrong password cannot
 * compute for any other password: each guess costs one live handshake, which {@code HandshakeBans} rate-limits.
 * Why the responder still waits: against a previous-release initiator (protocol 3), a stranger who connects to port
 * 6783 gets nothing that depends on the password until it has proved it; all it takes away from a failed guess is
 * the hellos and the {@linkplain SealingCodec#MISMATCH_NOTICE_BYTES mismatch notice}. What protocol 3 leaves open is
 * a router that <em>dials</em> an attacker speaking only protocol 3: it hands over its confirmation. A mesh whose
 * routers all run this release closes that with a minimum version of 4 ({@code --min-protocol 4}).
 *
 * <p>Compatibility with the previous release (mesh protocol 3 only, and before it the release that sent its
 * confirmation as soon as it had the peer's hello in both roles): the version agreed is 3, no shares are sent, and
 * the rest is protocol 3's handshake as it was; as initiator that release never waits for ours, so a responder that
 * waits for it is served; as responder it confirms first, which this initiator, doing the same as before, accepts.
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
         * sent a low-order key or a bad share, it hung up while we waited for its share or confirmation, or time ran
         * out. Refusals
         * that mean a misconfiguration rather than a guess (a bad hello, no common version, a password on
         * one side only) are not told here.
         *
         * @param reason the channel's {@link CloseReason}
         */
        default void onAuthenticationFailed(String reason) {}
    }

    /** The first protocol version with a {@link PakeShare}. */
    public static final int PAKE_VERSION = 4;

    private enum Phase { HELLO, SHARE, CONFIRM, DONE }

    private final Hello ours;
    private final Optional<HandshakeSecrets> secrets;
    private final boolean initiator;
    private final InstantSource clock;
    private final Duration timeout;
    private final Duration heartbeatInterval;
    private final Duration silenceLimit;
    private final Listener listener;
    private byte[] ourHelloBytes; // as sent: half of the transcript
    private byte[] theirHelloBytes; // as received: the other half
    private byte[] helloSecret; // the X25519 secret of the hellos' keys, once both have a password
    private Phase phase = Phase.HELLO;
    private Hello theirs;
    private SessionKeys keys;
    private ScheduledFuture<?> timer; // null until the channel is active
    private boolean authenticationFailed; // told to the listener when the channel closes

    /**
     * @param ours      our hello, whose version range is what we accept; carries the public key of
     *                  {@code secrets}' key pair iff {@code secrets} are present
     * @param secrets   present iff the mesh has a password
     * @param initiator whether we dialled: decides the transcript order and which keys are ours
     * @param clock     times the control keys' age for rekeying
     */
    public HandshakeHandler(Hello ours, Optional<HandshakeSecrets> secrets, boolean initiator, InstantSource clock,
            Duration timeout, Duration heartbeatInterval, Duration silenceLimit, Listener listener) {
        if (secrets.isPresent() != ours.hasPassword() || secrets.isPresent()
                && !Arrays.equals(secrets.get().ephemeral().publicKey(), ours.publicKey())) {
            throw new IllegalArgumentException("secrets and the hello's key must agree");
        }
        this.ours = ours;
        this.secrets = secrets;
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
                case SHARE -> onShare(ctx, frame);
                case CONFIRM -> onConfirm(ctx, frame);
                case DONE -> { } // a frame behind a refusal, while the channel closes
            }
        } finally {
            ReferenceCountUtil.release(message); // this handler consumes every handshake frame
        }
    }

    private void onHello(ChannelHandlerContext ctx, ByteBuf frame) {
        switch (Hello.decode(frame, ours.versions())) {
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
                    startSession(ctx, ByteBufUtil.getBytes(frame), ours.versions().agree(hello.versions()).orElseThrow());
                }
            }
        }
    }

    /**
     * Both have a password. Protocol 3: the keys come from the password key and the hellos' X25519 agreement at once.
     * Protocol 4: we send our share and wait for theirs.
     */
    private void startSession(ChannelHandlerContext ctx, byte[] theirHello, int version) {
        Optional<byte[]> secret = helloSecret(ctx);
        if (secret.isEmpty()) return;
        helloSecret = secret.get();
        theirHelloBytes = theirHello;
        if (version >= PAKE_VERSION) {
            phase = Phase.SHARE;
            ctx.writeAndFlush(new PakeShare(secrets.orElseThrow().share().share()).encode(ctx.alloc()));
            return;
        }
        byte[] first = initiator ? ourHelloBytes : theirHelloBytes;
        byte[] second = initiator ? theirHelloBytes : ourHelloBytes;
        byte[] transcript = new byte[first.length + second.length];
        System.arraycopy(first, 0, transcript, 0, first.length);
        System.arraycopy(second, 0, transcript, first.length, second.length);
        seal(ctx, SessionKeys.derive(secrets.orElseThrow().password(), helloSecret, transcript, initiator));
    }

    /** Protocol 4: the keys come from CPace, once the peer's share is here. */
    private void onShare(ChannelHandlerContext ctx, ByteBuf frame) {
        switch (PakeShare.decode(frame)) {
            case Decoding.Refused<PakeShare>(String reason) -> failAuthentication(ctx, "handshake refused: " + reason);
            case Decoding.Decoded<PakeShare>(PakeShare share) -> {
                HandshakeSecrets ourSecrets = secrets.orElseThrow();
                SessionKeys derived;
                try {
                    derived = SessionKeys.derivePake(ourSecrets.password(), ourSecrets.share(), share.share(),
                            helloSecret, initiator ? ourHelloBytes : theirHelloBytes,
                            initiator ? theirHelloBytes : ourHelloBytes, initiator);
                } catch (IllegalArgumentException e) {
                    failAuthentication(ctx, "handshake refused: the peer's password share is a low-order point");
                    return;
                }
                seal(ctx, derived);
            }
        }
    }

    /** The X25519 secret of the two hellos' keys, or empty after refusing a low-order key. */
    private Optional<byte[]> helloSecret(ChannelHandlerContext ctx) {
        try {
            return Optional.of(secrets.orElseThrow().ephemeral().agree(theirs.publicKey()));
        } catch (IllegalArgumentException e) {
            failAuthentication(ctx, "handshake refused: " + e.getMessage()); // a low-order key: an attacker, not a bug
            return Optional.empty();
        }
    }

    private void seal(ChannelHandlerContext ctx, SessionKeys derived) {
        keys = derived;
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
        if (phase == Phase.SHARE || phase == Phase.CONFIRM) {
            // the peer's share or confirmation never came: the sealing codec refused it (another password) or the
            // peer hung up after the hellos
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
