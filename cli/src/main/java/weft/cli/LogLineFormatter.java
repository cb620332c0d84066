package weft.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One line per event: time, level, message. Control characters in the message are escaped ({@code \n} as
 * {@code \\n}, others as {@code \\xNN}), since messages carry what peers chose (nicknames, reasons in hellos) and a
 * newline in one would let a peer forge lines of this router's log. A stack trace, which is ours, follows as is.
 *
 * <p>Thread-safe: no state.
 */
final class LogLineFormatter extends Formatter {
    @Override
    public String format(LogRecord record) {
        String line = String.format("%1$tF %1$tT.%1$tL %2$-7s %3$s%n", record.getMillis(), level(record.getLevel()),
                escape(formatMessage(record)));
        if (record.getThrown() == null) return line;
        StringWriter trace = new StringWriter();
        record.getThrown().printStackTrace(new PrintWriter(trace));
        return line + trace;
    }

    private static String level(Level level) {
        return level == Level.SEVERE ? "ERROR" : level == Level.WARNING ? "WARN" : level.getName();
    }

    static String escape(String message) {
        StringBuilder escaped = null;
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            boolean control = c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085';
            if (!control) {
                if (escaped != null) escaped.append(c);
                continue;
            }
            if (escaped == null) escaped = new StringBuilder(message.length() + 8).append(message, 0, i);
            switch (c) {
                case '\n' -> escaped.append("\\n");
                case '\r' -> escaped.append("\\r");
                case '\t' -> escaped.append("\\t");
                default -> escaped.append(String.format("\\x%02x", (int) c & 0xff));
            }
        }
        return escaped == null ? message : escaped.toString();
    }
}
