package weft.router.fastpath;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;
import weft.crypto.EspKey;
import weft.kernel.Xfrm;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What this machine's kernel cannot show (it has no ESP): that the requests {@link EspPair} sends really make a
 * kernel encrypt the VXLAN packets between two hosts, and refuse them in clear. The requests are recorded here,
 * byte for byte as Weft sends them, and replayed in Debian's 6.1 kernel booted under qemu (software emulation),
 * where two network namespaces play the hosts: see {@code esp-vm/init} for what the guest checks.
 *
 * <p>Runs only as root where {@code qemu-system-x86_64} and a Debian kernel are installed: {@code scripts/setup.sh}
 * installs qemu-system-x86, busybox-static, cpio and gcc, and unpacks linux-image-amd64 into
 * {@code /var/cache/weft/vm-kernel} (so that it never becomes this host's boot kernel); a kernel installed under
 * /boot does too. About 20 s, most of it the emulated guest.
 */
@EnabledIf("weft.router.fastpath.XfrmEspVmTest#vmAvailable")
class XfrmEspVmTest {
    private static final long BOOT_TIMEOUT_SECONDS = 240;

    static boolean vmAvailable() {
        return Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64")) && Files.isExecutable(Path.of("/bin/busybox"))
                && (hasKernel(Path.of("/var/cache/weft/vm-kernel/boot")) || hasKernel(Path.of("/boot")))
                && "root".equals(System.getProperty("user.name"));
    }

    private static boolean hasKernel(Path boot) {
        try (var files = Files.list(boot)) {
            return files.anyMatch(p -> p.getFileName().toString().startsWith("vmlinuz-"));
        } catch (IOException e) {
            return false; // no such directory: no kernel there
        }
    }

    @Test
    void vxlanBetweenTwoHostsTravelsInEspOnlyAndPlainVxlanIsRefused(@TempDir Path work) throws Exception {
        EspKey aToB = new EspKey(filled(0x11), 0x1000_0001), bToA = new EspKey(filled(0x22), 0x2000_0002);
        Inet4Address a = ip("10.99.0.1"), b = ip("10.99.0.2");
        EspPair atA = new EspPair(a, b, 6784, new EspKeys(aToB, bToA, true), 0);
        EspPair atB = new EspPair(b, a, 6784, new EspKeys(bToA, aToB, true), 0);
        Path requests = Files.createDirectories(work.resolve("req"));
        record(requests, "a-install", xfrm -> atA.install(xfrm, true));
        record(requests, "b-install", xfrm -> atB.install(xfrm, true));
        // a rolls over to epoch 1 and b on to epoch 2, an epoch ahead of a, as an end that stalled would see it
        long epoch = EspRollover.INTERVAL_NANOS;
        record(requests, "a-rollover", xfrm -> assertTrue(atA.rollOver(xfrm, epoch)));
        record(requests, "b-rollover", xfrm -> {
            assertTrue(atB.rollOver(xfrm, epoch));
            assertTrue(atB.rollOver(xfrm, 2 * epoch));
        });
        // once b has rolled on, it no longer holds a's first key: what it accepts from a is under a's epoch-1 key
        Files.writeString(requests.resolve("a-first-spi"), String.format("0x%08x", aToB.spi()));
        record(requests, "a-retire", xfrm -> assertEquals(List.of(), atA.remove(xfrm, false)));
        record(requests, "a-remove", xfrm -> assertEquals(List.of(), atA.remove(xfrm, true)));

        Path console = work.resolve("console.log");
        Process vm = new ProcessBuilder("sh", script().toString(), work.toString())
                .redirectErrorStream(true).redirectOutput(console.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        boolean ended = vm.waitFor(BOOT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!ended) vm.destroyForcibly().waitFor();
        String output = Files.readString(console);
        System.out.println(output); // the guest's own account, for whoever reads the test report
        assertTrue(ended, "the VM did not finish within " + BOOT_TIMEOUT_SECONDS + " s");
        assertTrue(output.contains("WEFT-ESP-VM: PASS"), output.lines().filter(l -> l.contains("WEFT-ESP-VM")).findFirst()
                .orElse("the guest printed no result"));
    }

    /** Writes each request {@code steps} make as {@code prefix-N.bin}, in the order Weft sends them. */
    private static void record(Path into, String prefix, Consumer<Xfrm> steps) {
        int[] n = {0};
        try (Xfrm recorder = Xfrm.recorder(bytes -> {
            try {
                Files.write(into.resolve(prefix + "-" + ++n[0] + ".bin"), bytes);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        })) {
            steps.accept(recorder);
        }
    }

    private static Path script() throws URISyntaxException {
        return Path.of(XfrmEspVmTest.class.getResource("/esp-vm/boot.sh").toURI());
    }

    private static byte[] filled(int value) {
        byte[] key = new byte[EspKey.LENGTH];
        Arrays.fill(key, (byte) value);
        return key;
    }

    private static Inet4Address ip(String text) throws IOException {
        return (Inet4Address) InetAddress.getByName(text);
    }
}
