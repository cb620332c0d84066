package weft.kube.cni;

import java.util.List;

/**
 * The CNI operations, with the environment variables each requires besides {@code CNI_COMMAND} (spec 1.1.0, section
 * 2) and the first specification version that has it.
 */
enum CniCommand {
    ADD(List.of("CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"), "0.3.0"),
    DEL(List.of("CNI_CONTAINERID", "CNI_IFNAME"), "0.3.0"),
    CHECK(List.of("CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"), "0.4.0"),
    STATUS(List.of(), "1.1.0"),
    GC(List.of(), "1.1.0"),
    VERSION(List.of(), "0.3.0");

    private final List<String> required;
    private final String since;

    CniCommand(List<String> required, String since) {
        this.required = required;
        this.since = since;
    }

    /** The variables that must be set (and valid) for this operation. */
    List<String> required() {
        return required;
    }

    /** The first specification version with this operation. */
    String since() {
        return since;
    }
}
