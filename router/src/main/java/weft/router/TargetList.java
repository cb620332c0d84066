package weft.router;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import weft.api.ConnectResult;
import weft.gossip.LatestStateFile;
import weft.gossip.Mesh;
import weft.gossip.PeerName;
import weft.gossip.connect.ConnectOutcome;
import weft.gossip.connect.TargetAddress;

import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The addresses this router dials — the peers given at launch and those added with {@code weft connect} — kept in
 * {@code targets.json} in the data directory so that a restarted router dials them again. The mesh does the
 * dialling and retrying; this keeps the list and answers the API.
 *
 * <p>Thread-safe: the API calls it from many threads. The set is guarded by this object's lock, held only to change
 * or copy it; writes of the file are serialised by its {@link LatestStateFile}, outside that lock.
 */
final class TargetList {
    private static final System.Logger LOG = System.getLogger(TargetList.class.getName());
    private static final Duration FIRST_ATTEMPT_WAIT = Duration.ofSeconds(30);
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    private final LatestStateFile file;
    private final ObjectMapper json;
    private final Mesh mesh;
    private final Set<String> targets = new LinkedHashSet<>(); // guarded by this
    private final Map<String, String> unresolved = new TreeMap<>(); // guarded by this: launch peers DNS has not answered for

    TargetList(Path file, ObjectMapper json, Mesh mesh) {
        this.file = new LatestStateFile(file);
        this.json = json;
        this.mesh = mesh;
    }

    /** The targets saved by an earlier router; none when there is no file, and none (with a warning) when it is unreadable. */
    static List<String> saved(Path file, ObjectMapper json) {
        if (!Files.exists(file)) return List.of();
        try {
            List<String> targets = json.readValue(file.toFile(), STRINGS);
            if (targets == null) throw new IOException("it holds null, not a list of targets");
            Set<String> saved = new LinkedHashSet<>();
            for (String target : targets) {
                try {
                    saved.add(canonical(target)); // an older release kept host and host:6783 apart
                } catch (IllegalArgumentException malformed) {
                    LOG.log(System.Logger.Level.WARNING, "ignoring target '" + target + "' in " + file + ": " + malformed.getMessage());
                }
            }
            return List.copyOf(saved);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "ignoring unreadable " + file + ": " + e.getMessage());
            return List.of();
        }
    }

    /**
     * Dials {@code initial} and saves them. A malformed target fails the start, and so does a file that cannot be
     * written. A name that does not resolve yet does not: at boot, DNS may come up after the router; it is looked up
     * again every {@link #RESOLVE_INTERVAL} ({@link #resolveAgain()}) and dialled once it resolves.
     */
    void start(Collection<String> initial) throws IOException {
        for (String given : initial) {
            String target = canonical(given);
            CompletableFuture<ConnectOutcome> outcome = mesh.connect(target);
            if (outcome.isCompletedExceptionally() && cause(outcome) instanceof UnknownHostException unknown) {
                LOG.log(System.Logger.Level.WARNING, unknown.getMessage() + " yet; looking it up again every "
                        + RESOLVE_INTERVAL.toSeconds() + " s ('weft forget " + target + "' stops it)");
                synchronized (this) {
                    targets.add(target);
                    unresolved.put(target, unknown.getMessage());
                }
                continue;
            }
            add(target);
        }
        save();
    }

    /** How often a launch peer whose name did not resolve is looked up again. */
    static final Duration RESOLVE_INTERVAL = Duration.ofSeconds(5);

    /**
     * Looks up again the launch peers whose names did not resolve, and dials those that do now. Blocks on DNS: call
     * it from a thread of its own, never the mesh loop.
     */
    void resolveAgain() {
        Map<String, String> waiting;
        synchronized (this) {
            waiting = new TreeMap<>(unresolved);
        }
        for (String target : waiting.keySet()) {
            try {
                TargetAddress.parse(target).resolve();
            } catch (UnknownHostException e) {
                synchronized (this) {
                    unresolved.replace(target, e.getMessage());
                }
                continue;
            }
            synchronized (this) {
                if (unresolved.remove(target) == null) continue; // forgotten meanwhile
            }
            LOG.log(System.Logger.Level.INFO, "peer '" + target + "' resolves now; dialling it");
            mesh.connect(target); // its outcome shows in the status like any target's
        }
    }

    /** The launch peers whose names do not resolve yet, with the last lookup's error, for the status. */
    synchronized Map<String, String> unresolved() {
        return new TreeMap<>(unresolved);
    }

    private static Throwable cause(CompletableFuture<?> failed) {
        try {
            failed.join();
            throw new IllegalStateException("not failed");
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        }
    }

    /** Adds targets; each result says whether the first attempt connected, within {@link #FIRST_ATTEMPT_WAIT}. */
    List<ConnectResult> connect(List<String> peers) {
        if (peers.isEmpty()) throw new IllegalArgumentException("at least one peer is required");
        List<CompletableFuture<ConnectOutcome>> outcomes = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String peer : peers) {
            try {
                outcomes.add(add(peer));
                errors.add(null);
            } catch (IllegalArgumentException e) {
                outcomes.add(null);
                errors.add(e.getMessage());
            }
        }
        saveQuietly();
        List<ConnectResult> results = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            String peer = peers.get(i);
            results.add(outcomes.get(i) == null ? new ConnectResult(peer, false, errors.get(i)) : firstAttempt(peer, outcomes.get(i)));
        }
        return results;
    }

    private static ConnectResult firstAttempt(String peer, CompletableFuture<ConnectOutcome> outcome) {
        try {
            return switch (outcome.get(FIRST_ATTEMPT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                case ConnectOutcome.Connected(PeerName name, String nickname) -> new ConnectResult(peer, true, "connected to " + name.label(nickname));
                case ConnectOutcome.Failed(String reason) -> new ConnectResult(peer, false, reason + " (retrying; 'weft forget " + peer + "' stops it)");
            };
        } catch (TimeoutException e) {
            return new ConnectResult(peer, false, "no answer within " + FIRST_ATTEMPT_WAIT.toSeconds() + " s (retrying)");
        } catch (ExecutionException e) {
            return new ConnectResult(peer, false, rootMessage(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting", e);
        }
    }

    /** Removes targets; returns those that were known, to the mesh or to this list. */
    List<String> forget(List<String> peers) {
        List<String> forgotten = new ArrayList<>();
        for (String peer : peers) {
            String target;
            try {
                target = canonical(peer);
            } catch (IllegalArgumentException malformed) {
                continue; // never a target: it is not forgotten, and the answer says so
            }
            boolean known = mesh.forget(target).join();
            synchronized (this) {
                known |= targets.remove(target);
                unresolved.remove(target);
            }
            if (known) forgotten.add(peer);
        }
        saveQuietly();
        return forgotten;
    }

    /** The one spelling of {@code target} ({@link TargetAddress#canonical()}); a malformed one is refused with the reason. */
    static String canonical(String target) {
        return TargetAddress.parse(target).canonical();
    }

    /** Starts dialling {@code given} under its canonical spelling; a malformed or unresolvable one is refused with the reason. */
    private CompletableFuture<ConnectOutcome> add(String given) {
        String target = canonical(given);
        CompletableFuture<ConnectOutcome> outcome = mesh.connect(target);
        if (outcome.isCompletedExceptionally()) {
            try {
                outcome.join();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(rootMessage(e));
            }
        }
        synchronized (this) {
            targets.add(target);
        }
        return outcome;
    }

    private void save() throws IOException {
        file.write(() -> {
            List<String> copy;
            synchronized (this) {
                copy = new ArrayList<>(targets);
            }
            try {
                return json.writeValueAsBytes(copy);
            } catch (IOException e) {
                throw new IllegalStateException("a list of strings is always JSON", e);
            }
        });
    }

    private void saveQuietly() {
        try {
            save();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot save targets to " + file.path() + ": " + e.getMessage() + "; they are lost on restart");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && (cause instanceof ExecutionException || cause instanceof CompletionException)) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }
}
