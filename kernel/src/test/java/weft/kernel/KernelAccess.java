package weft.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The condition for tests that change the kernel: effective uid 0 and a TUN/TAP driver. */
public final class KernelAccess {
    private KernelAccess() {}

    public static boolean available() {
        try {
            // "Uid:\treal\teffective\tsaved\tfs"
            String effective = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("Uid:")).findFirst().orElse("Uid: -1 -1").trim().split("\\s+")[2];
            return effective.equals("0") && Files.exists(Path.of("/dev/net/tun"));
        } catch (IOException e) {
            return false;
        }
    }
}
