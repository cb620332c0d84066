package weft.cli.doctor;

import weft.api.StatusReport;

import java.util.List;

/** Check: whether the router answers on its API, and if not, whether one runs and where. Stateless. */
final class RouterAnswers {
    static final String NAME = "router";

    private RouterAnswers() {
    }

    static List<Finding> check(Facts facts) {
        return List.of(switch (facts.router()) {
            case RouterState.Answering(String address, StatusReport s, boolean exposed, boolean kube) -> Finding.ok(NAME,
                    "weft " + s.version() + " answers at " + address + ": peer " + s.peerName() + "(" + s.nickname() + "), pid " + s.pid());
            case RouterState.Silent(String why, String remedy) -> Finding.fail(NAME, why, remedy);
        });
    }

    /** A skip line for a check that needs the router's status, when none answered. */
    static Finding skipped(String check) {
        return Finding.skip(check, "no router answered to ask");
    }
}
