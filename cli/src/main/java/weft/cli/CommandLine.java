package weft.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The options and operands of one {@code weft} verb, parsed against what the verb declares. Accepts
 * {@code --name value}, {@code --name=value}, flags, and {@code --} to end options.
 */
final class CommandLine {
    /** One option a verb accepts; {@code valueName} is null for a flag. */
    record Option(String name, String valueName, String help) {
        boolean takesValue() {
            return valueName != null;
        }
    }

    /** Thrown for arguments the verb does not accept; the message is fit to show to a user. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    private final String verb;
    private final Map<String, String> values;
    private final List<String> operands;
    private final boolean help;

    private CommandLine(String verb, Map<String, String> values, List<String> operands, boolean help) {
        this.verb = verb;
        this.values = values;
        this.operands = operands;
        this.help = help;
    }

    static CommandLine parse(String verb, List<Option> accepted, List<String> args) {
        Map<String, Option> byName = new LinkedHashMap<>();
        accepted.forEach(option -> byName.put(option.name(), option));
        Map<String, String> values = new LinkedHashMap<>();
        List<String> operands = new ArrayList<>();
        boolean help = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                operands.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
                continue;
            }
            if (!arg.startsWith("--") || arg.length() == 2) {
                if (arg.startsWith("-") && arg.length() > 1) throw new UsageException("unknown option '" + arg + "' for 'weft " + verb + "'");
                operands.add(arg);
                continue;
            }
            int equals = arg.indexOf('=');
            String name = equals < 0 ? arg.substring(2) : arg.substring(2, equals);
            Option option = byName.get(name);
            if (option == null) throw new UsageException("unknown option '--" + name + "' for 'weft " + verb + "' (see 'weft " + verb + " --help')");
            if (!option.takesValue()) {
                if (equals >= 0) throw new UsageException("option '--" + name + "' takes no value");
                values.put(name, "true");
            } else if (equals >= 0) {
                values.put(name, arg.substring(equals + 1));
            } else {
                if (i + 1 >= args.size()) throw new UsageException("option '--" + name + "' needs a value: --" + name + " " + option.valueName());
                values.put(name, args.get(++i));
            }
        }
        return new CommandLine(verb, values, operands, help);
    }

    /** The verb these arguments were given to. */
    String verb() {
        return verb;
    }

    Optional<String> value(String name) {
        return Optional.ofNullable(values.get(name));
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    List<String> operands() {
        return operands;
    }

    boolean helpRequested() {
        return help;
    }
}
