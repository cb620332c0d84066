package weft.router.view;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import weft.gossip.PeerName;
import weft.gossip.wire.Decoding;

/**
 * The bytes of {@link LinkReports} on the {@value LinkChannel#CHANNEL} channel, big-endian:
 * <pre>
 * u8 format (1), u16 reports, then per report:
 *   6 bytes origin, u64 version, u16 links, then per link:
 *     6 bytes peer, u8 length of the link's fields that follow (at least 19), then
 *     u8 flags (bit 0 fast, bit 1 encrypted), u16 path MTU, i64 sent bytes/s, i64 received bytes/s (-1: not counted),
 *     and length - 19 bytes of fields a later release added
 * </pre>
 * How a later release extends it while still talking to this one: a new fact about a link goes into a flag bit or a
 * field appended to the link, which this release skips (flag bits it does not know are ignored, bytes past the 19
 * it knows are stepped over). What it skips is also left out when it relays the report, until the origin's next one.
 * A format other than 1 is refused: it is for a change this release could not parse, which a release makes only once
 * it no longer talks to this one.
 *
 * <p>Everything read is checked (counts against the bytes left before anything is kept, versions, MTUs and rates as
 * {@link LinkReport} and {@link LinkState} require) and refused with a reason instead of thrown. Stateless; thread-safe.
 */
public final class LinkReportCodec {
    static final int FORMAT = 1;
    static final int FAST = 1, ENCRYPTED = 2;
    /** The bytes of a link's fields this release knows: flags, path MTU and the two rates. */
    static final int LINK_FIELDS = 1 + 2 + 8 + 8;
    private static final int REPORT_HEADER = PeerName.BYTES + 8 + 2;
    private static final int LINK_BYTES = PeerName.BYTES + 1 + LINK_FIELDS;

    private LinkReportCodec() {}

    /** The bytes {@code report} takes in an encoding. */
    public static int size(LinkReport report) {
        return REPORT_HEADER + report.links().size() * LINK_BYTES;
    }

    /** @throws IllegalArgumentException for more reports than the count holds (LinkChannel keeps far below) */
    public static byte[] encode(LinkReports data) {
        if (data.reports().size() > 0xffff) throw new IllegalArgumentException(data.reports().size() + " link reports in one message");
        int size = 1 + 2;
        for (LinkReport report : data.reports().values()) size += size(report);
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put((byte) FORMAT).putShort((short) data.reports().size());
        for (LinkReport report : data.reports().values()) {
            putName(out, report.origin());
            out.putLong(report.version()).putShort((short) report.links().size());
            for (LinkState link : report.links()) {
                putName(out, link.peer());
                out.put((byte) LINK_FIELDS).put((byte) ((link.fast() ? FAST : 0) | (link.encrypted() ? ENCRYPTED : 0)));
                out.putShort((short) link.pathMtu()).putLong(link.sentBytesPerSecond()).putLong(link.receivedBytesPerSecond());
            }
        }
        return out.array();
    }

    /** Decodes untrusted bytes; never throws. */
    public static Decoding<LinkReports> decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            int format = in.get() & 0xff;
            if (format != FORMAT) return new Decoding.Refused<>("link reports in format " + format + ", not " + FORMAT);
            int count = in.getShort() & 0xffff;
            if ((long) count * REPORT_HEADER > in.remaining()) {
                return new Decoding.Refused<>(count + " link reports in " + in.remaining() + " bytes");
            }
            TreeMap<PeerName, LinkReport> reports = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                PeerName origin = getName(in);
                long version = in.getLong();
                int links = in.getShort() & 0xffff;
                if (links > LinkReport.MAX_LINKS) return new Decoding.Refused<>(links + " links of " + origin + ", more than " + LinkReport.MAX_LINKS);
                if (links * LINK_BYTES > in.remaining()) {
                    return new Decoding.Refused<>(links + " links of " + origin + " in " + in.remaining() + " bytes");
                }
                List<LinkState> states = new ArrayList<>(links);
                for (int n = 0; n < links; n++) {
                    PeerName peer = getName(in);
                    int length = in.get() & 0xff;
                    if (length < LINK_FIELDS || length > in.remaining()) {
                        return new Decoding.Refused<>("a link of " + origin + " to " + peer + " of " + length + " bytes, with "
                                + in.remaining() + " left and " + LINK_FIELDS + " needed");
                    }
                    int flags = in.get() & 0xff; // bits past ENCRYPTED are a later release's: ignored
                    states.add(new LinkState(peer, (flags & FAST) != 0, (flags & ENCRYPTED) != 0, in.getShort() & 0xffff,
                            in.getLong(), in.getLong()));
                    in.position(in.position() + length - LINK_FIELDS);
                }
                if (reports.put(origin, new LinkReport(origin, version, states)) != null) {
                    return new Decoding.Refused<>("links of " + origin + " twice");
                }
            }
            if (in.hasRemaining()) return new Decoding.Refused<>(in.remaining() + " bytes after the link reports");
            return new Decoding.Decoded<>(new LinkReports(reports));
        } catch (BufferUnderflowException e) {
            return new Decoding.Refused<>("truncated link reports (" + bytes.length + " bytes)");
        } catch (IllegalArgumentException e) {
            return new Decoding.Refused<>("bad link reports: " + e.getMessage());
        }
    }

    private static void putName(ByteBuffer out, PeerName name) {
        out.putShort((short) (name.value() >>> 32)).putInt((int) name.value());
    }

    private static PeerName getName(ByteBuffer in) {
        return new PeerName(((long) (in.getShort() & 0xffff) << 32) | (in.getInt() & 0xffffffffL));
    }
}
