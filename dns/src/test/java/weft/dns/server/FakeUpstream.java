package weft.dns.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An upstream name server on loopback, UDP and TCP on the same port, answering every query with one A record of
 * 192.0.2.53, except those for names starting with "silent", which it ignores. It keeps what it was sent.
 */
final class FakeUpstream implements AutoCloseable {
    static final byte[] ANSWER = {(byte) 192, 0, 2, 53};

    final List<byte[]> received = new CopyOnWriteArrayList<>();
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Thread udpThread;
    private final Thread tcpThread;

    FakeUpstream() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
        tcp = new ServerSocket(udp.getLocalPort(), 50, loopback);
        udpThread = Thread.ofPlatform().daemon().name("fake-upstream-udp").start(this::serveUdp);
        tcpThread = Thread.ofPlatform().daemon().name("fake-upstream-tcp").start(this::serveTcp);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) udp.getLocalSocketAddress();
    }

    private void serveUdp() {
        byte[] buffer = new byte[65_535];
        while (!udp.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
                byte[] query = Arrays.copyOf(buffer, packet.getLength());
                received.add(query);
                byte[] reply = answer(query);
                if (reply != null) {
                    udp.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                }
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket socket = tcp.accept()) {
                DataInputStream in = new DataInputStream(socket.getInputStream());
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                received.add(query);
                byte[] reply = answer(query);
                if (reply != null) {
                    DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                    out.writeShort(reply.length);
                    out.write(reply);
                    out.flush();
                    in.read(); // until the server closes: it asked one question
                }
            } catch (SocketException closed) {
                return;
            } catch (IOException brokenClient) {
                // next one
            }
        }
    }

    /** The query turned into a reply with one A answer pointing back at the question, or null to ignore it. */
    private static byte[] answer(byte[] query) {
        if (TestWire.nameAt(query, 12).startsWith("silent")) {
            return null;
        }
        int questionEnd = 12;
        while (query[questionEnd] != 0) {
            questionEnd += 1 + (query[questionEnd] & 0xff);
        }
        questionEnd += 1 + 4;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(query, 0, 2);
        TestWire.writeShort(out, 0x8180); // QR, RD, RA
        TestWire.writeShort(out, 1);
        TestWire.writeShort(out, 1);
        TestWire.writeShort(out, 0);
        TestWire.writeShort(out, 0);
        out.write(query, 12, questionEnd - 12);
        TestWire.writeShort(out, 0xc00c);
        TestWire.writeShort(out, TestWire.A);
        TestWire.writeShort(out, 1);
        TestWire.writeShort(out, 0);
        TestWire.writeShort(out, 300);
        TestWire.writeShort(out, 4);
        out.writeBytes(ANSWER);
        return out.toByteArray();
    }

    @Override
    public void close() throws Exception {
        udp.close();
        tcp.close();
        udpThread.join();
        tcpThread.join();
    }
}
