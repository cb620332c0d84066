package weft.kube.policy;

import java.util.Map;
import java.util.Optional;

/**
 * A pod as policies see it: where it runs, its address on the overlay, its labels and its containers' named ports
 * ({@code name/PROTOCOL} to number). Pods on the host's network and pods without an address yet are not
 * PolicyPods. Immutable.
 */
record PolicyPod(String namespace, String name, String node, long address, Map<String, String> labels, Map<String, Integer> ports) {
    PolicyPod {
        labels = Map.copyOf(labels);
        ports = Map.copyOf(ports);
    }

    static String portKey(String name, PolicyPort.Protocol protocol) {
        return name + "/" + protocol;
    }

    Optional<Integer> port(String portName, PolicyPort.Protocol protocol) {
        return Optional.ofNullable(ports.get(portKey(portName, protocol)));
    }

    String id() {
        return namespace + "/" + name;
    }
}
