package weft.dns.server;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import weft.dns.NameLookup;

/** A NameLookup from a map, for tests. */
final class MapNames implements NameLookup {
    private final Map<String, List<Inet4Address>> byName = new HashMap<>();

    MapNames with(String name, String... addresses) {
        List<Inet4Address> list = byName.computeIfAbsent(name, n -> new ArrayList<>());
        for (String address : addresses) {
            list.add((Inet4Address) InetAddress.ofLiteral(address));
        }
        return this;
    }

    @Override
    public List<Inet4Address> addresses(String name) {
        return byName.getOrDefault(name, List.of());
    }

    @Override
    public List<String> names(Inet4Address address) {
        return byName.entrySet().stream().filter(e -> e.getValue().contains(address)).map(Map.Entry::getKey)
                .sorted().toList();
    }
}
