package weft.cli;

import weft.router.Router;
import weft.router.RouterConfig;
import weft.router.StopSignal;

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

    /**
     * Returns the process exit status: 0 after a clean stop, 1 if the router could not start or failed while it
     * ran (a thread of its ended unexpectedly, a part it cannot repair is gone): then its supervisor starts it over.
     */
    public static int runForeground(RouterConfig config, PrintStream err) {
        configureLogging();
        StopSignal stop = new StopSignal();
        // the daemon's threads are all ones it cannot do without: one that dies stops the router, never silently
        Thread.setDefaultUncaughtExceptionHandler(stop.supervising());
        Router router;
        try {
            router = Router.start(config, stop);
        } catch (Exception | Error e) {
            // This is the main thread's root: whatever stopped the start is the one line the operator needs.
            err.println("weft router: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        }
        Thread hook = Thread.ofPlatform().unstarted(router::close);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        router.close();
        if (stop.failure().isPresent()) {
            err.println("weft router: " + stop.failure().get());
            return 1;
        }
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
