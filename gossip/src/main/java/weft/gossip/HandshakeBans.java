package weft.gossip;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Optional;

/**
 * Failed handshakes per source, and the bans they earn, as {@link InboundLimits.Bans} says. Guessing the password
 * online then costs a ban per few guesses and source, growing while the source keeps failing; a peer configured with
 * the wrong password is banned too, and connects within one ban of being fixed.
 *
 * <p>The table holds at most {@code sources} entries, however many sources fail. When it is full, a source that has
 * been quiet for {@code forgetAfter} goes first, then the one that failed least recently among those not banned,
 * and only when every entry is banned the one that failed least recently: sources that fail once each cannot push a
 * ban out, though enough banned ones can (an attacker with that many addresses has that many guesses anyway).
 *
 * <p>A pure core: time comes from the clock. Not thread-safe: owned by the mesh's Netty event loop.
 */
final class HandshakeBans {
    private static final class Entry {
        int failures;             // within the window that began at windowStart
        Instant windowStart;      // null: no window open
        int bans;                 // earned while remembered
        Instant bannedUntil = Instant.MIN;
        Instant lastFailure;
    }

    private final InboundLimits.Bans settings;
    private final InstantSource clock;
    // insertion order is the order of last failures, least recent first: a failure re-inserts its source
    private final LinkedHashMap<SourceAddress, Entry> entries = new LinkedHashMap<>();

    HandshakeBans(InboundLimits.Bans settings, InstantSource clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /** Whether new connections from {@code source} are refused now. */
    boolean isBanned(SourceAddress source) {
        Entry entry = entries.get(source);
        return entry != null && clock.instant().isBefore(entry.bannedUntil);
    }

    /**
     * A handshake from {@code source} failed to authenticate. Returns the length of the ban this failure starts, if
     * it starts one. A failure during a ban (of a connection admitted before it began) counts for nothing.
     */
    Optional<Duration> onFailure(SourceAddress source) {
        Instant now = clock.instant();
        Entry entry = entries.remove(source);
        if (entry != null && isForgotten(entry, now)) {
            entry = null;
        }
        if (entry == null) {
            makeRoom(now);
            entry = new Entry();
        }
        entries.put(source, entry);
        entry.lastFailure = now;
        if (now.isBefore(entry.bannedUntil)) {
            return Optional.empty();
        }
        if (entry.windowStart == null || !now.isBefore(entry.windowStart.plus(settings.window()))) {
            entry.windowStart = now;
            entry.failures = 0;
        }
        entry.failures++;
        if (entry.failures < settings.failures()) {
            return Optional.empty();
        }
        Duration ban = banLength(entry.bans);
        entry.bans++;
        entry.bannedUntil = now.plus(ban);
        entry.windowStart = null;
        entry.failures = 0;
        return Optional.of(ban);
    }

    /** Sources remembered. */
    int size() {
        return entries.size();
    }

    /** The {@code n}th ban's length, counting from 0: the first ban doubled {@code n} times, at most the longest. */
    private Duration banLength(int n) {
        Duration ban = settings.firstBan();
        for (int i = 0; i < n && ban.compareTo(settings.longestBan()) < 0; i++) {
            ban = ban.multipliedBy(2);
        }
        return ban.compareTo(settings.longestBan()) < 0 ? ban : settings.longestBan();
    }

    private boolean isForgotten(Entry entry, Instant now) {
        Instant quietSince = entry.bannedUntil.isAfter(entry.lastFailure) ? entry.bannedUntil : entry.lastFailure;
        return !now.isBefore(quietSince.plus(settings.forgetAfter()));
    }

    /** Makes room for one more source if the table is full: see the class comment for who goes. */
    private void makeRoom(Instant now) {
        if (entries.size() < settings.sources()) {
            return;
        }
        entries.values().removeIf(entry -> isForgotten(entry, now));
        if (entries.size() < settings.sources()) {
            return;
        }
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            if (!now.isBefore(it.next().bannedUntil)) {
                it.remove();
                return;
            }
        }
        entries.remove(entries.keySet().iterator().next());
    }
}
