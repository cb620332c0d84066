package weft.dns.server;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;

/**
 * The upstream name servers of a resolv.conf, re-read when the file's modification time or size changes (the host's
 * DHCP client or systemd-resolved rewrites it); the file is looked at no more than every {@link #CHECK_INTERVAL},
 * since it is asked on every forwarded query. Its state is guarded by its monitor: the event loop asks per forwarded
 * query, the starting thread once for the log line.
 */
public final class ResolvConfWatcher implements UpstreamSource {
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(5);
    private static final System.Logger LOG = System.getLogger(ResolvConfWatcher.class.getName());

    private final Path file;
    private final InstantSource clock;
    private Instant checked;
    private FileTime modified;
    private long size = -1;
    private List<InetSocketAddress> servers = List.of();

    public ResolvConfWatcher(Path file, InstantSource clock) {
        this.file = Objects.requireNonNull(file, "file");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public synchronized List<InetSocketAddress> current() {
        Instant now = clock.instant();
        if (checked == null || !now.isBefore(checked.plus(CHECK_INTERVAL))) {
            checked = now;
            reloadIfChanged();
        }
        return servers;
    }

    private void reloadIfChanged() {
        List<InetSocketAddress> read;
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (attributes.lastModifiedTime().equals(modified) && attributes.size() == size) {
                return;
            }
            modified = attributes.lastModifiedTime();
            size = attributes.size();
            read = ResolvConf.nameservers(Files.readString(file));
        } catch (NoSuchFileException gone) {
            modified = null;
            size = -1;
            read = List.of();
        } catch (IOException unreadable) {
            LOG.log(Level.WARNING, "cannot read " + file + ", keeping upstream name servers " + servers, unreadable);
            return;
        }
        if (!read.equals(servers)) {
            servers = read;
            LOG.log(Level.INFO, "upstream name servers from " + file + ": " + (read.isEmpty() ? "none" : read));
        }
    }
}
