package weft.cli;

import weft.router.Router;
import weft.router.RouterConfig;

import java.io.PrintStream;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Runs a router in the foreground until it is asked to stop through the API or by a signal. */
public final class RouterMain {
    private RouterMain() {
    }

    /** Returns the process exit status: 0 after a clean stop, 1 if the router could not start. */
    public static int runForeground(RouterConfig config, PrintStream err) {
        configureLogging();
        Router router;
        try {
            router = Router.start(config);
        } catch (Exception | Error e) {
            // This is the main thread's root: whatever stopped the start is the one line the operator needs.
            err.println("weft router: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        }
        Thread hook = Thread.ofPlatform().unstarted(router::close);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            router.awaitStop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        router.close();
        System.getLogger(RouterMain.class.getName()).log(System.Logger.Level.INFO, "router stopped");
        return 0;
    }

    /** One line per event, with time and level, on standard error (the log file when launched). */
    private static void configureLogging() {
        Logger root = Logger.getLogger("");
        for (var handler : root.getHandlers()) root.removeHandler(handler);
        ConsoleHandler handler = new ConsoleHandler();
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord record) {
                String line = String.format("%1$tF %1$tT.%1$tL %2$-7s %3$s%n", record.getMillis(),
                        record.getLevel() == Level.SEVERE ? "ERROR" : record.getLevel() == Level.WARNING ? "WARN" : record.getLevel().getName(),
                        formatMessage(record));
                if (record.getThrown() == null) return line;
                var trace = new java.io.StringWriter();
                record.getThrown().printStackTrace(new java.io.PrintWriter(trace));
                return line + trace;
            }
        });
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        Logger.getLogger("io.netty").setLevel(Level.WARNING);
    }
}
