package weft.dns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolvConfWatcherTest {
    @TempDir
    Path dir;

    private static InetSocketAddress at53(String literal) {
        return new InetSocketAddress(InetAddress.ofLiteral(literal), 53);
    }

    @Test
    void nameserverLinesAreReadIpv4AndIpv6InOrder() {
        String text = """
                # generated
                search example.com
                nameserver 192.0.2.1
                ; nameserver 192.0.2.9
                nameserver   2001:db8::1
                nameserver not-an-address
                nameserver 192.0.2.1
                options ndots:5
                """;
        assertEquals(List.of(at53("192.0.2.1"), at53("2001:db8::1")), ResolvConf.nameservers(text));
    }

    @Test
    void theFileIsReReadWhenItChangesNoOftenerThanTheInterval() throws IOException {
        Path file = dir.resolve("resolv.conf");
        Files.writeString(file, "nameserver 192.0.2.1\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2025-01-01T00:00:00Z")));
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-06-01T00:00:00Z"));
        InstantSource clock = now::get;
        ResolvConfWatcher watcher = new ResolvConfWatcher(file, clock);
        assertEquals(List.of(at53("192.0.2.1")), watcher.current());

        Files.writeString(file, "nameserver 192.0.2.2\nnameserver 192.0.2.3\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2025-01-01T00:00:01Z")));
        now.set(now.get().plus(ResolvConfWatcher.CHECK_INTERVAL.minus(Duration.ofMillis(1))));
        assertEquals(List.of(at53("192.0.2.1")), watcher.current(), "not looked at again so soon");

        now.set(now.get().plus(Duration.ofMillis(1)));
        assertEquals(List.of(at53("192.0.2.2"), at53("192.0.2.3")), watcher.current());

        Files.delete(file);
        now.set(now.get().plus(ResolvConfWatcher.CHECK_INTERVAL));
        assertEquals(List.of(), watcher.current(), "a missing file names no upstream");
    }
}
