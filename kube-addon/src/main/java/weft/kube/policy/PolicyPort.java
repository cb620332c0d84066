package weft.kube.policy;

import java.util.Optional;

/**
 * One entry of a rule's {@code ports}: a protocol with every port ({@code number} and {@code name} empty), one
 * number or the range {@code number..endPort}, or a container port's name, resolved on the pod that receives the
 * connection. Immutable.
 */
record PolicyPort(Protocol protocol, Optional<Integer> number, Optional<Integer> endPort, Optional<String> name) {
    /** The protocols a policy names, with the numbers nftables' {@code meta l4proto} has for them. */
    enum Protocol {
        TCP(6), UDP(17), SCTP(132);

        final int number;

        Protocol(int number) {
            this.number = number;
        }

        String nft() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static PolicyPort all(Protocol protocol) {
        return new PolicyPort(protocol, Optional.empty(), Optional.empty(), Optional.empty());
    }

    static PolicyPort number(Protocol protocol, int first, Optional<Integer> endPort) {
        return new PolicyPort(protocol, Optional.of(first), endPort, Optional.empty());
    }

    static PolicyPort named(Protocol protocol, String name) {
        return new PolicyPort(protocol, Optional.empty(), Optional.empty(), Optional.of(name));
    }

    int first() {
        return number.orElse(0);
    }

    int last() {
        return number.isEmpty() ? 65535 : endPort.orElse(number.get());
    }

    /** Whether a connection to {@code port} over {@code protocol} of a pod with {@code receiver}'s ports matches. */
    boolean matches(Protocol connection, int port, PolicyPod receiver) {
        if (connection != protocol) return false;
        if (name.isPresent()) return receiver != null && receiver.port(name.get(), protocol).map(p -> p == port).orElse(false);
        return port >= first() && port <= last();
    }

    String describe() {
        if (name.isPresent()) return protocol + " port " + name.get();
        if (number.isEmpty()) return protocol + " (every port)";
        return protocol + " " + (endPort.isPresent() ? number.get() + "-" + endPort.get() : number.get());
    }
}
