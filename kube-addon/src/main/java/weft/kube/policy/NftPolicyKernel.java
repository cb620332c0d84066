package weft.kube.policy;

import weft.kernel.Nftables;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The policy table in this network namespace's nftables, through libnftables (no process per change). Bridged frames
 * between pods reach the {@code ip} family's forward hook only through br_netfilter, so the first use turns
 * {@code net.bridge.bridge-nf-call-iptables} on when it is off, as kube-proxy also needs.
 *
 * <p>Thread rule: used by the policy controller's thread only (a libnftables context is not thread-safe).
 */
final class NftPolicyKernel implements PolicyKernel {
    private static final System.Logger LOG = System.getLogger(NftPolicyKernel.class.getName());
    private static final Path BRIDGE_NF = Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables");
    private static final Pattern COUNTER = Pattern.compile("counter (\\S+) \\{\\s*packets (\\d+)");

    private Nftables nft;

    @Override
    public void apply(String text) {
        context().run("replacing the NetworkPolicy table", text);
    }

    @Override
    public Map<String, Long> drops() {
        String listed;
        try {
            listed = context().query("reading the NetworkPolicy counters", "list counters table ip " + NftRuleset.TABLE);
        } catch (RuntimeException absent) {
            return Map.of();
        }
        Map<String, Long> drops = new HashMap<>();
        Matcher matcher = COUNTER.matcher(listed);
        while (matcher.find()) drops.put(matcher.group(1), Long.parseLong(matcher.group(2)));
        return drops;
    }

    @Override
    public Optional<String> bypassed() {
        try {
            if (!Files.exists(BRIDGE_NF)) {
                return Optional.of("br_netfilter is not loaded (no " + BRIDGE_NF + "): frames between pods on this node's bridge"
                        + " bypass the table; load it (modprobe br_netfilter), as kube-proxy also needs");
            }
            if (Files.readString(BRIDGE_NF).strip().equals("1")) return Optional.empty();
            Files.writeString(BRIDGE_NF, "1");
            LOG.log(System.Logger.Level.INFO, "turned net.bridge.bridge-nf-call-iptables on, so that NetworkPolicy sees frames between pods");
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("net.bridge.bridge-nf-call-iptables is off and could not be turned on (" + e.getMessage()
                    + "): traffic between pods is not filtered");
        }
    }

    private Nftables context() {
        if (nft == null) nft = Nftables.open();
        return nft;
    }
}
