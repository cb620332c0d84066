package weft.api;

import java.util.List;

/**
 * One interface this router plumbed onto the bridge: a container's {@code ethwe} (or the bridge itself for
 * {@code weft expose}) and the addresses it was given.
 *
 * @param target        the target's key, for example {@code netns:c1}, or {@link #EXPOSE} for the host itself
 * @param namespacePath the namespace file the interface lives in; empty for the host
 * @param hostInterface the bridge port (the host end of the veth), or the bridge for the host itself
 * @param mac           the MAC address of the interface
 * @param cidrs         the addresses, in the order they were added
 */
public record Attachment(String target, String namespacePath, String hostInterface, String mac, List<String> cidrs) {
    /** The target key of the host's own address on the overlay, as Weave called it. */
    public static final String EXPOSE = "weft:expose";

    public Attachment {
        cidrs = List.copyOf(cidrs);
    }

    public Attachment withCidrs(List<String> newCidrs) {
        return new Attachment(target, namespacePath, hostInterface, mac, newCidrs);
    }
}
