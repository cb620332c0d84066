package weft.gossip;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Who this router is for the life of one process: a name that is stable across restarts, an
 * incarnation that is new on every start (so peers can tell a restart from a duplicate), and a
 * nickname for humans.
 *
 * <p>Immutable value; thread-safe.
 *
 * @param name        stable name, see {@link #resolve(Path, Optional, RandomGenerator)}
 * @param incarnation random and non-zero, new on every start
 * @param nickname    the host name, at most {@link #MAX_NICKNAME_BYTES} bytes of UTF-8
 */
public record PeerIdentity(PeerName name, long incarnation, String nickname) {
    /** File in the data directory that keeps the name across restarts. */
    public static final String NAME_FILE = "peer-name";
    /** The hello carries the nickname behind a one-byte length. */
    public static final int MAX_NICKNAME_BYTES = 255;
    private static final Path MACHINE_ID = Path.of("/etc/machine-id");

    public PeerIdentity {
        if (incarnation == 0) {
            throw new IllegalArgumentException("incarnation 0 is reserved for 'unknown'");
        }
        if (nickname.getBytes(StandardCharsets.UTF_8).length > MAX_NICKNAME_BYTES) {
            throw new IllegalArgumentException("nickname is longer than " + MAX_NICKNAME_BYTES + " bytes: " + nickname);
        }
    }

    /**
     * Resolves the identity at start, with this host's {@code /etc/machine-id} and host name.
     *
     * @see #resolve(Path, Optional, Path, String, RandomGenerator)
     */
    public static PeerIdentity resolve(Path dataDir, Optional<PeerName> override, RandomGenerator random)
            throws IOException {
        return resolve(dataDir, override, MACHINE_ID, hostName(), random);
    }

    /**
     * Resolves the identity at start. The name is the override if given (it is not stored, so
     * dropping {@code --name} brings the stored name back); else the name stored in
     * {@code dataDir/peer-name}; else a new name, derived from the machine id if that file exists
     * and random otherwise, which is then stored so the next start finds it.
     *
     * @throws IOException if the data directory cannot be read or written, or the stored name is
     *                     not a name (the message says which file; deleting it picks a new name)
     */
    public static PeerIdentity resolve(Path dataDir, Optional<PeerName> override, Path machineIdFile,
            String nickname, RandomGenerator random) throws IOException {
        PeerName name = override.isPresent() ? override.get() : storedOrNewName(dataDir, machineIdFile, random);
        long incarnation;
        do {
            incarnation = random.nextLong();
        } while (incarnation == 0);
        return new PeerIdentity(name, incarnation, nickname);
    }

    private static PeerName storedOrNewName(Path dataDir, Path machineIdFile, RandomGenerator random)
            throws IOException {
        Path file = dataDir.resolve(NAME_FILE);
        if (Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            try {
                return PeerName.parse(text);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " does not hold a peer name (" + e.getMessage()
                        + "); fix or delete it to pick a new name", e);
            }
        }
        // The data directory takes part: routers in several network namespaces of one machine share its machine id
        // but not their data directories, and must not share a name.
        PeerName name = machineId(machineIdFile)
                .map(id -> PeerName.fromMachineId(id + "|" + dataDir.toAbsolutePath().normalize()))
                .orElseGet(() -> PeerName.random(random));
        store(file, name);
        return name;
    }

    private static Optional<String> machineId(Path machineIdFile) throws IOException {
        if (!Files.isReadable(machineIdFile)) {
            return Optional.empty();
        }
        String id = Files.readString(machineIdFile, StandardCharsets.UTF_8).strip();
        return id.isEmpty() ? Optional.empty() : Optional.of(id); // an empty machine-id is "not set up yet"
    }

    private static void store(Path file, PeerName name) throws IOException {
        DurableFile.write(file, (name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown"; // the nickname is cosmetic; a host without a resolvable name still runs
        }
    }
}
