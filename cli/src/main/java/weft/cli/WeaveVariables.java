package weft.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Weave Net's environment variables as aliases of Weft's, so that an operator's scripts and unit files keep working
 * after the move: {@code WEAVE_PASSWORD} stands for {@code WEFT_PASSWORD} (and so on) when the {@code WEFT_} one is
 * not set. Where both are set, Weft's wins, and the note says so. Immutable.
 *
 * @param environment the environment with the aliases filled in
 * @param notes       one line per alias used or overridden, for {@code launch} and {@code router} to print
 */
record WeaveVariables(Map<String, String> environment, List<String> notes) {
    /** The Weave variables Weft reads, by the Weft variable each stands for. */
    static final Map<String, String> ALIASES = Map.of("WEAVE_PASSWORD", "WEFT_PASSWORD", "WEAVE_MTU", "WEFT_MTU",
            "WEAVE_NO_FASTDP", "WEFT_NO_FASTDP", "WEAVE_HTTP_ADDR", "WEFT_HTTP_ADDR");

    WeaveVariables {
        environment = Map.copyOf(environment);
        notes = List.copyOf(notes);
    }

    static WeaveVariables of(Map<String, String> given) {
        Map<String, String> environment = new HashMap<>(given);
        List<String> notes = new ArrayList<>();
        ALIASES.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(alias -> {
            String weave = given.get(alias.getKey());
            if (weave == null) return;
            if (given.containsKey(alias.getValue())) {
                notes.add(alias.getKey() + " is ignored: " + alias.getValue() + " is set too, and Weft's own name wins");
            } else {
                environment.put(alias.getValue(), weave);
                notes.add("read " + alias.getKey() + " as " + alias.getValue() + " (Weave's name for it; Weft's is " + alias.getValue() + ")");
            }
        });
        return new WeaveVariables(environment, notes);
    }
}
