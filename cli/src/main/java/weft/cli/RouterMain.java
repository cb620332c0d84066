package weft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import weft.kube.cni.CniPlugin;
import weft.proxy.docker.DockerProxy;
import weft.proxy.plugin.DockerPlugin;
import weft.proxy.plugin.PluginServer;
import weft.router.Router;
import weft.router.RouterConfig;
import weft.router.StopSignal;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Runs a router in the foreground until it is asked to stop through the API or by a signal. */
public final class RouterMain {
    private static final long LOG_LIMIT_BYTES = 16L << 20;

    private RouterMain() {
    }

    /**
     * Returns the process exit status: 0 after a clean stop, 1 if the router could not start or failed while it
     * ran (a thread of its ended unexpectedly, a part it cannot repair is gone): then its supervisor starts it over.
     */
    public static int runForeground(RouterConfig config, PrintStream err) {
        return runForeground(config, err, router -> () -> { });
    }

    /**
     * As {@link #runForeground(RouterConfig, PrintStream)}, with a {@code companion} started once the router runs
     * (the Kubernetes addon) and closed before the router is.
     */
    static int runForeground(RouterConfig config, PrintStream err, Function<Router, AutoCloseable> companion) {
        configureLogging();
        Optional<String> unprivileged = Privileges.missingHere();
        if (unprivileged.isPresent()) {
            err.println("weft router: " + unprivileged.get());
            return 1;
        }
        StopSignal stop = new StopSignal();
        // the daemon's threads are all ones it cannot do without: one that dies stops the router, never silently
        Thread.setDefaultUncaughtExceptionHandler(stop.supervising());
        Router router;
        try {
            router = Router.start(config, stop, api -> new CniPlugin(api, new ObjectMapper()));
        } catch (Exception | Error e) {
            // This is the main thread's root: whatever stopped the start is the one line the operator needs.
            err.println("weft router: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        }
        rotateLog(config);
        AutoCloseable started = companion.apply(router);
        Runnable close = () -> {
            try {
                started.close();
            } catch (Exception e) {
                System.getLogger(RouterMain.class.getName()).log(System.Logger.Level.WARNING, "stopping " + started + ": " + e.getMessage());
            }
            router.close();
        };
        Thread hook = Thread.ofPlatform().unstarted(close);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close.run();
        if (stop.failure().isPresent()) {
            err.println("weft router: " + stop.failure().get());
            return 1;
        }
        System.getLogger(RouterMain.class.getName()).log(System.Logger.Level.INFO, "router stopped");
        return 0;
    }

    /**
     * Docker's side of {@code router}: the network and IPAM drivers at {@code plugin}, and the API proxy at
     * {@code proxy} for the engine at {@code engine}, each if asked for. One that cannot start (another process serves
     * its socket) leaves the router running without it, and says so in the log; the proxy needs the drivers.
     */
    static AutoCloseable docker(Optional<Path> plugin, Optional<weft.proxy.docker.ProxyAddress> proxy, Path engine, boolean defaultAllocation, Router router) {
        System.Logger log = System.getLogger(RouterMain.class.getName());
        if (plugin.isEmpty()) return () -> { };
        PluginServer drivers;
        try {
            drivers = PluginServer.start(plugin.get(), new DockerPlugin(router, new ObjectMapper()));
        } catch (java.io.IOException e) {
            log.log(System.Logger.Level.WARNING, "no Docker network plugin, nor proxy: " + e.getMessage() + " (--plugin-socket serves it elsewhere, --no-plugin not at all)");
            return () -> { };
        }
        if (proxy.isEmpty()) return drivers;
        String driver = plugin.get().getFileName().toString().replaceFirst("\\.sock$", "");
        try {
            DockerProxy started = DockerProxy.start(proxy.get(), engine, new DockerProxy.JoinSettings(router, driver, defaultAllocation));
            return () -> {
                started.close();
                drivers.close();
            };
        } catch (java.io.IOException e) {
            log.log(System.Logger.Level.WARNING, "no Docker API proxy: " + e.getMessage() + " (--proxy-addr listens elsewhere, --no-proxy not at all)");
            return drivers;
        }
    }

    /** The log a launched router writes to: emptied into {@code weft.log.1} once it is over 16 MiB, looked at every minute. */
    private static void rotateLog(RouterConfig config) {
        LogFileRotation rotation = new LogFileRotation(config.logFile(), LOG_LIMIT_BYTES);
        Thread.ofPlatform().name("log-rotation").daemon().start(() -> {
            while (true) {
                try {
                    if (rotation.rotateIfLarge()) {
                        System.getLogger(RouterMain.class.getName()).log(System.Logger.Level.INFO, "log rotated: the earlier lines are in "
                                + config.logFile().getFileName() + ".1");
                    }
                } catch (java.io.IOException e) {
                    System.getLogger(RouterMain.class.getName()).log(System.Logger.Level.WARNING, "cannot rotate " + config.logFile() + ": " + e.getMessage());
                }
                java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MINUTES.toNanos(1));
            }
        });
    }

    /** One line per event, with time and level, on standard error (the log file when launched). */
    private static void configureLogging() {
        Logger root = Logger.getLogger("");
        for (var handler : root.getHandlers()) root.removeHandler(handler);
        ConsoleHandler handler = new ConsoleHandler();
        handler.setFormatter(new LogLineFormatter());
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        Logger.getLogger("io.netty").setLevel(Level.WARNING);
    }
}
