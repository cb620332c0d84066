package weft.cli.doctor;

import java.util.List;

/** Check: whether the router answers on its API, and if not, whether one runs and where. Stateless. */
final class RouterAnswers {
    static final String NAME = "router";

    private RouterAnswers() {
    }

    static List<Finding> check(Facts facts) {
        return List.of(switch (facts.router()) {
            case RouterState.Answering a -> Finding.ok(NAME, "weft " + a.status().version() + " answers at " + a.address() + ": peer "
                    + a.status().peerName() + "(" + a.status().nickname() + "), pid " + a.status().pid());
            case RouterState.Silent(String why, String remedy) -> Finding.fail(NAME, why, remedy);
        });
    }

    /** A skip line for a check that needs the router's status, when none answered. */
    static Finding skipped(String check) {
        return Finding.skip(check, "no router answered to ask");
    }
}
