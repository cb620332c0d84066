package weft.cli.doctor;

/**
 * One line of {@code weft doctor}: which check, how it went, what it found and, when that is not ok, what to do.
 * Immutable.
 *
 * @param remedy what to do, concretely (the command, the sysctl, the port to open); "" when the finding is ok
 */
public record Finding(String check, Level level, String finding, String remedy) {
    /** How a check went, from best to worst; only {@link #FAIL} makes the exit status 1. */
    public enum Level {
        /** Looked, and found nothing wrong. */
        OK("ok"),
        /** Could not look (no router to ask, not root, a tool missing); the finding says why. */
        SKIP("skip"),
        /** Works, but slower or more fragile than it should, or will break in a case the finding names. */
        WARN("warn"),
        /** Broken: the overlay does not carry what it should. */
        FAIL("FAIL");

        private final String label;

        Level(String label) {
            this.label = label;
        }

        /** How the level reads in the text: {@code ok}, {@code skip}, {@code warn}, {@code FAIL}. */
        public String label() {
            return label;
        }
    }

    static Finding ok(String check, String finding) {
        return new Finding(check, Level.OK, finding, "");
    }

    static Finding skip(String check, String why) {
        return new Finding(check, Level.SKIP, why, "");
    }

    static Finding warn(String check, String finding, String remedy) {
        return new Finding(check, Level.WARN, finding, remedy);
    }

    static Finding fail(String check, String finding, String remedy) {
        return new Finding(check, Level.FAIL, finding, remedy);
    }
}
