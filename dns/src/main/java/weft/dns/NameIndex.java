package weft.dns;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The names of every origin that is not a tombstone, by name and by address: what the DNS server answers from.
 * Built anew by the mesh loop after each change and published whole.
 *
 * <p>Immutable; thread-safe.
 */
final class NameIndex implements NameLookup {
    static final NameIndex EMPTY = new NameIndex(List.of());

    private final Map<String, List<Inet4Address>> byName;
    private final Map<Inet4Address, List<String>> byAddress;

    NameIndex(Collection<OriginRecords> origins) {
        Map<String, Set<Inet4Address>> names = new HashMap<>();
        Map<Inet4Address, Set<String>> addresses = new HashMap<>();
        for (OriginRecords origin : origins) {
            if (origin.removed()) continue;
            for (NameRecord r : origin.records()) {
                names.computeIfAbsent(r.name(), k -> new LinkedHashSet<>()).add(r.address());
                addresses.computeIfAbsent(r.address(), k -> new LinkedHashSet<>()).add(r.name());
            }
        }
        this.byName = freeze(names);
        this.byAddress = freeze(addresses);
    }

    private static <K, V> Map<K, List<V>> freeze(Map<K, Set<V>> map) {
        Map<K, List<V>> frozen = new HashMap<>();
        map.forEach((k, v) -> frozen.put(k, List.copyOf(new ArrayList<>(v))));
        return Map.copyOf(frozen);
    }

    @Override
    public List<Inet4Address> addresses(String name) {
        return byName.getOrDefault(name, List.of());
    }

    @Override
    public List<String> names(Inet4Address address) {
        return byAddress.getOrDefault(address, List.of());
    }

    int size() {
        return byName.values().stream().mapToInt(List::size).sum();
    }
}
