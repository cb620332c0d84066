package weft.router.plumbing;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What {@code weft attach} plumbs an interface into: a named network namespace, the namespace of a process, a
 * Docker container, or a pod's interface for the CNI plugin. Parsed strictly, since it names paths under /run and
 * /proc.
 */
public sealed interface AttachTarget {
    /** A namespace made with {@code ip netns add NAME}, found at {@code /run/netns/NAME}. */
    record Netns(String name) implements AttachTarget {
        @Override
        public String key() {
            return "netns:" + name;
        }

        @Override
        public Optional<Path> namespaceFile() {
            return Optional.of(Path.of("/run/netns", name));
        }
    }

    /** The network namespace of process {@code pid}. */
    record Pid(long pid) implements AttachTarget {
        @Override
        public String key() {
            return "pid:" + pid;
        }

        @Override
        public Optional<Path> namespaceFile() {
            return Optional.of(ofProcess(pid));
        }
    }

    /** A Docker container by id or name; its namespace is that of its main process. */
    record Docker(String container) implements AttachTarget {
        @Override
        public String key() {
            return "docker:" + container;
        }

        /** Empty: only the engine can say which process the container runs now. */
        @Override
        public Optional<Path> namespaceFile() {
            return Optional.empty();
        }
    }

    /**
     * One interface of a CNI attachment ({@code weft-net}): container {@code containerId}'s interface {@code ifname}
     * in the namespace at {@code netns} (which DEL may no longer have). Written {@code cni:ID:IFNAME[:/netns/path]};
     * its key leaves the path out, since (container, interface) is what the runtime names it by. It gets a default
     * route through the bridge, and hairpin mode on its bridge port.
     */
    record Cni(String containerId, String ifname, Optional<Path> netns) implements AttachTarget {
        @Override
        public String key() {
            return "cni:" + containerId + ":" + ifname;
        }

        @Override
        public Optional<Path> namespaceFile() {
            return netns;
        }

        @Override
        public String interfaceName() {
            return ifname;
        }
    }

    /** A stable text form: the same target always has the same key. */
    String key();

    /** The name of the target's interface inside its namespace. */
    default String interfaceName() {
        return ContainerPlumbing.CONTAINER_INTERFACE;
    }

    /** The interface name inside the namespace of the target whose key is {@code key}. */
    static String interfaceOfKey(String key) {
        return key.startsWith("cni:") ? key.substring(key.lastIndexOf(':') + 1) : ContainerPlumbing.CONTAINER_INTERFACE;
    }

    /** The file of the target's network namespace, when it can be told without asking anyone. */
    Optional<Path> namespaceFile();

    /** The network namespace file of process {@code pid}. */
    static Path ofProcess(long pid) {
        return Path.of("/proc", Long.toString(pid), "ns", "net");
    }

    Pattern NETNS_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}");
    Pattern CONTAINER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,254}");
    Pattern INTERFACE = Pattern.compile("[^/:\\s]{1,15}");

    /** Parses {@code netns:NAME}, {@code pid:N} or a container id or name; messages are fit to show to a user. */
    static AttachTarget parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("a target is required: netns:NAME, pid:N or a Docker container");
        if (text.startsWith("netns:")) {
            String name = text.substring("netns:".length());
            if (!NETNS_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
                throw new IllegalArgumentException("invalid network namespace name '" + name + "'");
            }
            return new Netns(name);
        }
        if (text.startsWith("cni:")) {
            String[] parts = text.substring("cni:".length()).split(":", 3);
            if (parts.length < 2 || !CONTAINER.matcher(parts[0]).matches() || !INTERFACE.matcher(parts[1]).matches()
                    || parts[1].equals(".") || parts[1].equals("..")) {
                throw new IllegalArgumentException("invalid CNI target '" + text + "': expected cni:CONTAINERID:IFNAME[:/netns/path]");
            }
            Optional<Path> netns = Optional.empty();
            if (parts.length == 3) {
                if (!parts[2].startsWith("/") || parts[2].contains("\0") || java.util.Arrays.asList(parts[2].split("/")).contains("..")) {
                    throw new IllegalArgumentException("invalid namespace path in '" + text + "': expected an absolute path");
                }
                netns = Optional.of(Path.of(parts[2]));
            }
            return new Cni(parts[0], parts[1], netns);
        }
        if (text.startsWith("pid:")) {
            String digits = text.substring("pid:".length());
            if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(Character::isDigit) || Long.parseLong(digits) <= 0) {
                throw new IllegalArgumentException("invalid process id in '" + text + "': expected pid:N with N > 0");
            }
            return new Pid(Long.parseLong(digits));
        }
        String container = text.startsWith("docker:") ? text.substring("docker:".length()) : text;
        if (!CONTAINER.matcher(container).matches()) {
            throw new IllegalArgumentException("invalid target '" + text + "': expected netns:NAME, pid:N or a Docker container id or name");
        }
        return new Docker(container);
    }
}
