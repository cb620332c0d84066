package weft.dns.server;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** DNS messages built and read by hand in tests, independently of the codec under test. */
final class TestWire {
    static final int A = 1;
    static final int PTR = 12;
    static final int AAAA = 28;

    private TestWire() {
    }

    /** A query for {@code name} with RD set; with an OPT record of {@code ednsSize} unless it is negative. */
    static byte[] query(int id, String name, int type, int ednsSize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeShort(out, id);
        writeShort(out, 0x0100); // RD
        writeShort(out, 1);
        writeShort(out, 0);
        writeShort(out, 0);
        writeShort(out, ednsSize < 0 ? 0 : 1);
        writeName(out, name);
        writeShort(out, type);
        writeShort(out, 1);
        if (ednsSize >= 0) {
            out.write(0);
            writeShort(out, 41);
            writeShort(out, ednsSize);
            writeShort(out, 0x0000);
            writeShort(out, 0x8000); // DO
            writeShort(out, 0);
        }
        return out.toByteArray();
    }

    static void writeName(ByteArrayOutputStream out, String name) {
        for (String label : name.split("\\.")) {
            if (!label.isEmpty()) {
                out.write(label.length());
                out.writeBytes(label.getBytes());
            }
        }
        out.write(0);
    }

    static void writeShort(ByteArrayOutputStream out, int value) {
        out.write(value >> 8);
        out.write(value);
    }

    /** A reply as a test sees it. */
    record Reply(int id, int flags, int questions, List<byte[]> answerData, List<Integer> answerTypes,
                 List<Long> ttls, int additional) {
        int rcode() {
            return flags & 0xf;
        }

        boolean authoritative() {
            return (flags & 0x0400) != 0;
        }

        boolean truncated() {
            return (flags & 0x0200) != 0;
        }

        boolean recursionAvailable() {
            return (flags & 0x0080) != 0;
        }

        List<InetAddress> addresses() {
            List<InetAddress> addresses = new ArrayList<>();
            for (int i = 0; i < answerData.size(); i++) {
                if (answerTypes.get(i) == A) {
                    try {
                        addresses.add(InetAddress.getByAddress(answerData.get(i)));
                    } catch (java.net.UnknownHostException e) {
                        throw new AssertionError(e);
                    }
                }
            }
            return addresses;
        }
    }

    static Reply parse(byte[] message, int length) {
        ByteBuffer in = ByteBuffer.wrap(message, 0, length);
        int id = in.getShort() & 0xffff;
        int flags = in.getShort() & 0xffff;
        int qd = in.getShort() & 0xffff;
        int an = in.getShort() & 0xffff;
        in.getShort();
        int ar = in.getShort() & 0xffff;
        for (int i = 0; i < qd; i++) {
            skipName(in);
            in.getInt();
        }
        List<byte[]> data = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        List<Long> ttls = new ArrayList<>();
        for (int i = 0; i < an; i++) {
            skipName(in);
            types.add(in.getShort() & 0xffff);
            in.getShort();
            ttls.add(in.getInt() & 0xffffffffL);
            byte[] rdata = new byte[in.getShort() & 0xffff];
            in.get(rdata);
            data.add(rdata);
        }
        return new Reply(id, flags, qd, data, types, ttls, ar);
    }

    /** The name at the reader's position, skipped (a compression pointer ends it). */
    static void skipName(ByteBuffer in) {
        while (true) {
            int length = in.get() & 0xff;
            if (length == 0) {
                return;
            }
            if ((length & 0xc0) == 0xc0) {
                in.get();
                return;
            }
            in.position(in.position() + length);
        }
    }

    /** The name at {@code offset} of {@code message}, dotted, for a test to compare. */
    static String nameAt(byte[] message, int offset) {
        StringBuilder name = new StringBuilder();
        int at = offset;
        while (message[at] != 0) {
            int length = message[at] & 0xff;
            name.append(new String(Arrays.copyOfRange(message, at + 1, at + 1 + length))).append('.');
            at += 1 + length;
        }
        return name.toString();
    }
}
