package weft.cli;

import weft.api.ApiClient;
import weft.api.ApiLocation;
import weft.api.ApiToken;
import weft.router.RouterConfig;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The router a verb asks: the one of its data directory ({@code --data-dir}, else {@code $WEFT_DATA_DIR}, else the
 * default). Immutable.
 *
 * @param recorded where that router recorded its API, if it did
 * @param address  where to call it: --http-addr, else $WEFT_HTTP_ADDR, else the recorded address, else the default
 */
record RouterTarget(Path dataDir, Optional<ApiLocation> recorded, InetSocketAddress address) {
    static RouterTarget of(CommandLine line, Map<String, String> environment) {
        Path dataDir = Path.of(line.value("data-dir").orElse(environment.getOrDefault("WEFT_DATA_DIR", RouterConfig.DEFAULT_DATA_DIRECTORY.toString())))
                .toAbsolutePath().normalize();
        Optional<ApiLocation> recorded = ApiLocation.readFrom(dataDir);
        Optional<String> given = line.value("http-addr").or(() -> Optional.ofNullable(environment.get("WEFT_HTTP_ADDR")));
        InetSocketAddress address = given.isPresent() ? RouterConfig.parseHttpAddress(given.get())
                : recorded.map(ApiLocation::socketAddress).orElse(RouterConfig.parseHttpAddress(RouterConfig.DEFAULT_HTTP_ADDRESS));
        return new RouterTarget(dataDir, recorded, address);
    }

    /**
     * A client that waits for each reply as long as its endpoint needs (a minute for the slow ones, half a minute for
     * the rest), with the router's token when this user can read it (root can).
     */
    ApiClient client() {
        return new ApiClient(address, Duration.ofMillis(Integer.MAX_VALUE), ApiToken.readFrom(dataDir));
    }

    /** Why nothing listens where {@code weft VERB} called: where the router of the data directory runs, if anywhere. */
    String absence(String verb) {
        return Whereabouts.message(find(), dataDir, new ApiClient(address).where(), verb, recorded);
    }

    /** What to run when nothing listens where a verb called, by what the data directory says ({@link #absence}). */
    String remedy() {
        return switch (find()) {
            case Whereabouts.Finding.NoneRuns none -> "start one: weft launch [--password-file FILE] PEER...";
            case Whereabouts.Finding.Unknown unknown -> "run it as root, which may read the data directory";
            case Whereabouts.Finding.RunsHere here -> "see " + dataDir.resolve("weft.log") + "; if it is stuck, 'weft stop' then 'weft launch'";
            case Whereabouts.Finding.RunsElsewhere elsewhere -> "run weft in that namespace, as said";
            case Whereabouts.Finding.RunsSomewhere somewhere -> "run weft where the router runs";
        };
    }

    /** Whether no router holds the data directory, here or in another namespace (not "cannot be told"). */
    boolean noneRuns() {
        return find() instanceof Whereabouts.Finding.NoneRuns;
    }

    private Whereabouts.Finding find() {
        return new Whereabouts(Path.of("/proc"), Path.of("/run/netns")).find(dataDir);
    }
}
