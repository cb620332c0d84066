package weft.router;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.io.TempDir;
import weft.dns.OriginRecords;
import weft.gossip.PeerName;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the router reads at start from its data directory, and the addresses an operator gives its options: its DNS
 * names ({@link NameService#restore}), the targets it dials ({@link TargetList#saved}), the pid in the lock file
 * ({@link DataDirectory#holderPid}) and the HTTP address ({@link RouterConfig#parseHttpAddress}).
 *
 * <p>A file that cannot be used is moved aside or ignored with a warning, the lock file's pid is absent when it does not
 * read as one, and an address is refused with an {@link IllegalArgumentException} that says why. A finding is any
 * other exception, or a value taken that the router cannot use: a restored name set that cannot become ours, a saved
 * target not in its one spelling, an address accepted that is no literal.
 */
class RouterFuzzTest {
    private static final PeerName SELF = new PeerName(0x0b0000000002L);
    // the router's mapper: a plain one
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dataDirectory;

    @FuzzTest
    void dnsNames(byte[] file) throws IOException {
        Path path = dataDirectory.resolve(NameService.FILE);
        Files.write(path, file);
        Optional<OriginRecords> restored = NameService.restore(path, SELF);
        // what the name channel makes of them: ours, whoever the file said they were from
        restored.ifPresent(own -> assertNotNull(new OriginRecords(SELF, own.version(), false, own.records())));
    }

    @FuzzTest
    void savedTargets(byte[] file) throws IOException {
        Path path = dataDirectory.resolve("targets.json");
        Files.write(path, file);
        for (String target : TargetList.saved(path, json)) assertEquals(target, TargetList.canonical(target));
    }

    @FuzzTest
    void lockFile(byte[] file) throws IOException {
        Files.write(dataDirectory.resolve("router.lock"), file);
        DataDirectory.holderPid(dataDirectory).ifPresent(pid -> assertTrue(pid >= 0, "pid " + pid));
    }

    @FuzzTest
    void httpAddress(byte[] option) {
        String text = new String(option, StandardCharsets.UTF_8);
        InetSocketAddress address;
        try {
            address = RouterConfig.parseHttpAddress(text);
        } catch (IllegalArgumentException refused) {
            assertNotNull(refused.getMessage());
            return;
        }
        String host = text.substring(0, text.lastIndexOf(':'));
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        assertEquals(InetAddress.ofLiteral(bare), address.getAddress(), "'" + text + "' taken as an address");
        assertTrue(address.getPort() >= 1 && address.getPort() <= 65_535);
    }
}
