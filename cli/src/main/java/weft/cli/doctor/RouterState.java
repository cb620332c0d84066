package weft.cli.doctor;

import weft.api.StatusReport;

/** Whether the router of the data directory answered {@code weft doctor}, and what it said. Immutable. */
public sealed interface RouterState {
    /**
     * @param address where it answered, {@code host:port}
     * @param exposed whether the host has an overlay address on the bridge ({@code weft expose}, or a {@code --kube}
     *                router's gateway for its pods), through which containers may route
     * @param kube    whether the router enforces NetworkPolicy (run with {@code --kube})
     */
    record Answering(String address, StatusReport status, boolean exposed, boolean kube) implements RouterState {
    }

    /**
     * @param why    what was found instead of an answer: whether a router runs with the data directory, and where
     * @param remedy what to run
     */
    record Silent(String why, String remedy) implements RouterState {
    }
}
