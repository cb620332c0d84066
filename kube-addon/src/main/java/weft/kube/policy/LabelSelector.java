package weft.kube.policy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Kubernetes label selector: every {@code matchLabels} pair and every expression must hold; an empty selector
 * matches everything. Immutable.
 */
record LabelSelector(Map<String, String> labels, List<Requirement> expressions) {
    static final LabelSelector ALL = new LabelSelector(Map.of(), List.of());

    enum Operator { IN, NOT_IN, EXISTS, DOES_NOT_EXIST }

    /** One {@code matchExpressions} entry; {@code NotIn} also holds where the key is absent, as Kubernetes has it. */
    record Requirement(String key, Operator operator, Set<String> values) {
        Requirement {
            values = Set.copyOf(values);
        }

        boolean holds(Map<String, String> labels) {
            String value = labels.get(key);
            return switch (operator) {
                case IN -> value != null && values.contains(value);
                case NOT_IN -> value == null || !values.contains(value);
                case EXISTS -> value != null;
                case DOES_NOT_EXIST -> value == null;
            };
        }

        String describe() {
            String list = values.stream().sorted().collect(Collectors.joining(","));
            return switch (operator) {
                case IN -> key + " in (" + list + ")";
                case NOT_IN -> key + " notin (" + list + ")";
                case EXISTS -> key;
                case DOES_NOT_EXIST -> "!" + key;
            };
        }
    }

    LabelSelector {
        labels = Map.copyOf(labels);
        expressions = List.copyOf(expressions);
    }

    boolean matches(Map<String, String> podLabels) {
        for (Map.Entry<String, String> label : labels.entrySet()) {
            if (!label.getValue().equals(podLabels.get(label.getKey()))) return false;
        }
        for (Requirement requirement : expressions) if (!requirement.holds(podLabels)) return false;
        return true;
    }

    boolean isEmpty() {
        return labels.isEmpty() && expressions.isEmpty();
    }

    /** As kubectl writes a selector: {@code role=backend,tier notin (web)}. */
    String describe() {
        return Stream.concat(new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()),
                expressions.stream().map(Requirement::describe)).collect(Collectors.joining(","));
    }
}
