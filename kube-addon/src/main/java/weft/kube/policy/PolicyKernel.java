package weft.kube.policy;

import java.util.Map;

/** Where the compiled table goes: nftables in the node's network namespace ({@link NftPolicyKernel}), or a test's record. */
interface PolicyKernel {
    /**
     * Replaces Weft's policy table with {@code text} in one transaction.
     *
     * @throws RuntimeException with the kernel's or nft's reason; the previous table then stays whole
     */
    void apply(String text);

    /** Packets each chain's counter dropped since the table was last replaced, by counter name; empty without a table. */
    Map<String, Long> drops();

    /** Why bridged frames would bypass the table (br_netfilter off and cannot be turned on), or empty when they reach it. */
    java.util.Optional<String> bypassed();
}
