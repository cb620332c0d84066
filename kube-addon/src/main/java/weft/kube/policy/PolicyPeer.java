package weft.kube.policy;

import java.util.Optional;

/**
 * One entry of a rule's {@code from} or {@code to}: pods chosen by {@code pods} in the policy's namespace, or in the
 * namespaces {@code namespaces} chooses (both: pods of the one in namespaces of the other), or the addresses of an
 * ipBlock. Immutable.
 */
record PolicyPeer(Optional<LabelSelector> pods, Optional<LabelSelector> namespaces, Optional<Ipv4Ranges> block, String blockText) {
    static PolicyPeer selecting(Optional<LabelSelector> pods, Optional<LabelSelector> namespaces) {
        return new PolicyPeer(pods, namespaces, Optional.empty(), "");
    }

    static PolicyPeer block(String cidr, java.util.List<String> except) {
        String text = cidr + (except.isEmpty() ? "" : " except " + String.join(", ", except));
        return new PolicyPeer(Optional.empty(), Optional.empty(), Optional.of(Ipv4Ranges.block(cidr, except)), text);
    }

    /** Whether {@code pod} (in {@code namespaceLabels}'s namespace) is this peer, for a policy in {@code policyNamespace}. */
    boolean selects(PolicyPod pod, java.util.Map<String, String> namespaceLabels, String policyNamespace) {
        if (block.isPresent()) return block.get().contains(pod.address());
        boolean namespaceOk = namespaces.map(n -> n.matches(namespaceLabels)).orElse(pod.namespace().equals(policyNamespace));
        return namespaceOk && pods.map(p -> p.matches(pod.labels())).orElse(true);
    }

    String describe(String policyNamespace) {
        if (block.isPresent()) return blockText;
        String who = pods.map(p -> p.isEmpty() ? "every pod" : "pods with " + p.describe()).orElse("every pod");
        String where = namespaces.map(n -> n.isEmpty() ? "in every namespace" : "in namespaces with " + n.describe())
                .orElse("in " + policyNamespace);
        return who + " " + where;
    }
}
