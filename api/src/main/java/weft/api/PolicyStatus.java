package weft.api;

import java.util.List;

/**
 * Kubernetes NetworkPolicy on one node, as {@code weft status policy} shows it.
 *
 * @param state     {@code enforcing}, {@code off} (the router runs without --kube, or with --no-network-policy), or
 *                  what the controller waits for
 * @param node      the Node whose pods this router guards
 * @param policies  every policy read, with the pods it selects and what was dropped for them here
 * @param refused   policies that could not be read, "namespace/name: why"; the others stay enforced
 * @param isolated  this node's pods isolated in at least one direction
 * @param lastApply how the last change reached the kernel: "N rules in M ms (generated in G ms)", or why it failed
 * @param drops     the last new connections dropped here, each with who, what and which policies refused it; or one
 *                  line saying why drops are not explained
 */
public record PolicyStatus(String state, String node, List<Entry> policies, List<String> refused, int isolated, String lastApply,
                           List<String> drops) {
    public PolicyStatus {
        policies = List.copyOf(policies);
        refused = List.copyOf(refused);
        drops = List.copyOf(drops);
    }

    /**
     * One policy: {@code types} is {@code Ingress}, {@code Egress} or both; {@code selected} the pods it selects in
     * the cluster; {@code drops} the new connections dropped here at pods it isolates (a drop at a pod isolated by
     * several policies counts for each).
     */
    public record Entry(String policy, List<String> types, List<String> selected, long drops) {
        public Entry {
            types = List.copyOf(types);
            selected = List.copyOf(selected);
        }
    }

    /** What a router without a policy controller answers. */
    public static PolicyStatus off(String why) {
        return new PolicyStatus(why, "", List.of(), List.of(), 0, "", List.of());
    }
}
