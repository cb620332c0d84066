package weft.kube.policy;

import java.util.List;

/**
 * A NetworkPolicy as enforced: the pods of {@code namespace} that {@code pods} selects, isolated for ingress and/or
 * egress (its {@code policyTypes}, or their default: ingress always, egress when it has egress rules), and the rules
 * that let connections through. Immutable.
 */
record Policy(String namespace, String name, LabelSelector pods, boolean ingress, boolean egress,
              List<PolicyRule> ingressRules, List<PolicyRule> egressRules) {
    Policy {
        ingressRules = List.copyOf(ingressRules);
        egressRules = List.copyOf(egressRules);
    }

    boolean selects(PolicyPod pod) {
        return pod.namespace().equals(namespace) && pods.matches(pod.labels());
    }

    boolean isolates(PolicyPod pod, boolean forIngress) {
        return (forIngress ? ingress : egress) && selects(pod);
    }

    List<PolicyRule> rules(boolean forIngress) {
        return forIngress ? ingressRules : egressRules;
    }

    String id() {
        return namespace + "/" + name;
    }
}
