package weft.cli.doctor;

/**
 * A fact about the host as gathering found it, or why it could not be found (not root, a tool missing, output not
 * understood): a check that needs it then says so instead of guessing. Immutable.
 */
sealed interface Gathered<T> {
    record Known<T>(T value) implements Gathered<T> {
    }

    /** @param why what stopped the gathering, told to the user as the check's finding */
    record Unknown<T>(String why) implements Gathered<T> {
    }

    /** Why {@code fact} is unknown; "" for a known one. */
    static String why(Gathered<?> fact) {
        return fact instanceof Unknown<?>(String why) ? why : "";
    }

    /** The fact made from this one by {@code how}; the same reason when this one is unknown. */
    default <R> Gathered<R> map(java.util.function.Function<T, R> how) {
        return switch (this) {
            case Known<T>(T value) -> new Known<>(how.apply(value));
            case Unknown<T>(String why) -> new Unknown<>(why);
        };
    }
}
