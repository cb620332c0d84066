package weft.router;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Metrics written in the Prometheus text exposition format, version 0.0.4: each family once with its HELP and
 * TYPE, then its samples. It refuses what a scraper would reject or misread (an invalid or repeated family name,
 * a counter not named {@code _total}, a sample outside its family, an invalid label name) and escapes label values
 * and help text, so a peer's nickname with a quote in it cannot break the text.
 *
 * <p>One per exposition, on one thread.
 */
final class PrometheusText {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    /** The types used here; a counter only grows (a restart sets it back to zero), a gauge goes either way. */
    enum Type { COUNTER, GAUGE }

    private final StringBuilder text = new StringBuilder(16 * 1024);
    private final Set<String> families = new HashSet<>();
    private String family;

    /** Starts the family {@code name}: its HELP and TYPE lines; the samples that follow are its own. */
    PrometheusText family(String name, Type type, String help) {
        if (!METRIC_NAME.matcher(name).matches()) throw new IllegalArgumentException("invalid metric name " + name);
        if (type == Type.COUNTER && !name.endsWith("_total")) throw new IllegalArgumentException("counter " + name + " must end with _total");
        if (!families.add(name)) throw new IllegalStateException("metric family " + name + " written twice");
        family = name;
        text.append("# HELP ").append(name).append(' ');
        escape(help, false);
        text.append("\n# TYPE ").append(name).append(' ').append(type.name().toLowerCase()).append('\n');
        return this;
    }

    /** A sample of the current family, without labels. */
    PrometheusText sample(long value) {
        return sample(value, new String[0]);
    }

    /** A sample of the current family; {@code labels} alternate names and values. */
    PrometheusText sample(long value, String... labels) {
        start(labels);
        text.append(value).append('\n');
        return this;
    }

    /** A sample of the current family, a real number such as seconds; {@code labels} alternate names and values. */
    PrometheusText sample(double value, String... labels) {
        start(labels);
        if (Double.isNaN(value)) text.append("NaN");
        else if (Double.isInfinite(value)) text.append(value > 0 ? "+Inf" : "-Inf");
        else text.append(value);
        text.append('\n');
        return this;
    }

    private void start(String[] labels) {
        if (family == null) throw new IllegalStateException("a sample before its family");
        if (labels.length % 2 != 0) throw new IllegalArgumentException("labels come in name-value pairs");
        text.append(family);
        if (labels.length > 0) {
            text.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (!LABEL_NAME.matcher(labels[i]).matches() || labels[i].startsWith("__")) {
                    throw new IllegalArgumentException("invalid label name " + labels[i]);
                }
                if (i > 0) text.append(',');
                text.append(labels[i]).append("=\"");
                escape(labels[i + 1], true);
                text.append('"');
            }
            text.append('}');
        }
        text.append(' ');
    }

    /** Backslash and newline are escaped everywhere, the double quote in label values (the format's rules). */
    private void escape(String value, boolean quote) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> text.append("\\\\");
                case '\n' -> text.append("\\n");
                case '"' -> text.append(quote ? "\\\"" : "\"");
                default -> text.append(c);
            }
        }
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
