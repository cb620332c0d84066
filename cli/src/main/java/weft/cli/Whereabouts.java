package weft.cli;

import weft.api.ApiLocation;
import weft.router.DataDirectory;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the router of a data directory runs, when none answers where {@code weft} called: whether a router holds
 * the directory (its lock) and, if one does, whether it runs in this network namespace, which the link targets of
 * {@code /proc/PID/ns/net} and {@code /proc/self/ns/net} tell ({@code net:[INODE]}: one inode, one namespace). Its
 * message says where to run {@code weft} rather than inviting a second router in the wrong place. Immutable.
 */
final class Whereabouts {
    /** What the data directory and {@code /proc} say about the router that holds the directory. */
    sealed interface Finding {
        /** No router holds the data directory. */
        record NoneRuns() implements Finding {
        }

        /** Whether a router holds it cannot be told, and why. */
        record Unknown(String why) implements Finding {
        }

        /** A router holds it and runs in this network namespace. */
        record RunsHere(long pid) implements Finding {
        }

        /** A router holds it and runs in another network namespace, with its name in {@code /run/netns} if it has one. */
        record RunsElsewhere(long pid, Optional<String> namespace) implements Finding {
        }

        /** A router holds it, but its network namespace cannot be told, and why; its pid when the lock names one. */
        record RunsSomewhere(OptionalLong pid, String why) implements Finding {
        }
    }

    private static final Pattern NAMESPACE_LINK = Pattern.compile("net:\\[(\\d{1,20})]");

    private final Path proc;
    private final Path namedNamespaces;

    /**
     * @param proc            {@code /proc}
     * @param namedNamespaces {@code /run/netns}, where {@code ip netns add} names namespaces
     */
    Whereabouts(Path proc, Path namedNamespaces) {
        this.proc = proc;
        this.namedNamespaces = namedNamespaces;
    }

    /** Looks at the lock of {@code dataDir} and at the holder's network namespace. */
    Finding find(Path dataDir) {
        try {
            if (!DataDirectory.inUse(dataDir)) return new Finding.NoneRuns();
        } catch (IOException e) {
            return new Finding.Unknown("cannot read " + dataDir.resolve("router.lock") + " (" + e.getMessage() + ")");
        }
        OptionalLong pid = DataDirectory.holderPid(dataDir);
        if (pid.isEmpty()) return new Finding.RunsSomewhere(pid, "its lock names no pid");
        Path theirs = proc.resolve(Long.toString(pid.getAsLong())).resolve("ns/net");
        try {
            String ourNamespace = Files.readSymbolicLink(proc.resolve("self/ns/net")).toString();
            String theirNamespace = Files.readSymbolicLink(theirs).toString();
            return locate(pid.getAsLong(), ourNamespace, theirNamespace, namesByInode());
        } catch (NoSuchFileException e) {
            return new Finding.RunsSomewhere(pid, "no process " + pid.getAsLong() + " is visible here, so it runs in another PID namespace too");
        } catch (AccessDeniedException e) {
            return new Finding.RunsSomewhere(pid, "this user may not read " + theirs + ": run weft as root to find out");
        } catch (IOException e) {
            return new Finding.RunsSomewhere(pid, "cannot read " + theirs + ": " + e.getMessage());
        }
    }

    /**
     * Whether the router {@code pid} runs in our network namespace, given the link targets of ours and of its
     * {@code ns/net}, and the named namespaces by inode.
     */
    static Finding locate(long pid, String ourNamespace, String theirNamespace, Map<Long, String> namesByInode) {
        if (ourNamespace.equals(theirNamespace)) return new Finding.RunsHere(pid);
        OptionalLong inode = inode(theirNamespace);
        return new Finding.RunsElsewhere(pid, inode.isPresent() ? Optional.ofNullable(namesByInode.get(inode.getAsLong())) : Optional.empty());
    }

    /** The inode in a network namespace's link target, {@code net:[4026531840]}; empty for anything else. */
    static OptionalLong inode(String linkTarget) {
        Matcher matcher = NAMESPACE_LINK.matcher(linkTarget);
        if (!matcher.matches()) return OptionalLong.empty();
        try {
            return OptionalLong.of(Long.parseUnsignedLong(matcher.group(1)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty(); // more digits than an inode has: not a namespace link
        }
    }

    /**
     * The names in {@code /run/netns} by their namespace's inode (each is a bind mount of the namespace), the first
     * name in order where one namespace has several; empty when there is no such directory.
     */
    private Map<Long, String> namesByInode() {
        Map<Long, String> names = new TreeMap<>();
        if (!Files.isDirectory(namedNamespaces)) return names;
        Map<String, Long> inodes = new TreeMap<>(); // sorted by name: the same name wins every time
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(namedNamespaces)) {
            for (Path entry : entries) {
                try {
                    inodes.put(entry.getFileName().toString(), (Long) Files.getAttribute(entry, "unix:ino"));
                } catch (IOException | UnsupportedOperationException | ClassCastException e) {
                    // a name we cannot stat is one we cannot match; the message then gives the nsenter form
                }
            }
        } catch (IOException e) {
            return names; // as above, for all of them
        }
        inodes.forEach((name, inode) -> names.putIfAbsent(inode, name));
        return names;
    }

    /**
     * What {@code weft VERB} says when nothing listens at {@code address}, for the router of {@code dataDir};
     * {@code recorded} is the location that router recorded, if any.
     */
    static String message(Finding finding, Path dataDir, String address, String verb, Optional<ApiLocation> recorded) {
        String where = "data directory " + dataDir;
        return switch (finding) {
            case Finding.NoneRuns none -> "nothing answers at " + address + " and no router runs with " + where + " ('weft launch' starts one)";
            case Finding.Unknown(String why) -> "nothing answers at " + address + ", and whether a router runs with " + where + " cannot be told: " + why;
            case Finding.RunsHere(long pid) -> "a router runs with " + where + " in this network namespace (pid " + pid + "), but nothing answers at "
                    + address + (recorded.isPresent() && !recorded.get().address().equals(address)
                    ? "; it recorded its API at " + recorded.get().address() + " in " + dataDir.resolve(ApiLocation.FILE_NAME)
                    + ", which --http-addr or WEFT_HTTP_ADDR overrode"
                    : "; it may be starting or stuck: see " + dataDir.resolve("weft.log"));
            case Finding.RunsElsewhere(long pid, Optional<String> namespace) -> "a router runs with " + where
                    + " in another network namespace (pid " + pid + "): run weft there, e.g. "
                    + namespace.map(name -> "ip netns exec " + name).orElse("nsenter --net=/proc/" + pid + "/ns/net") + " weft " + verb;
            case Finding.RunsSomewhere(OptionalLong pid, String why) -> "a router runs with " + where
                    + (pid.isPresent() ? " (pid " + pid.getAsLong() + ")" : "") + ", but nothing answers at " + address
                    + "; it may run in another network namespace, where weft must run too (" + why + ")";
        };
    }
}
