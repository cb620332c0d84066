package weft.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each test works in a fresh anonymous network namespace, whose nftables vanish with it. */
@EnabledIf("weft.kernel.KernelAccess#available")
class NftablesKernelTest {
    @Test
    void aTableWithASetAndARuleIsMadeInOneTransactionAndItsSetChangesAndReads() throws Exception {
        String listed = NetNamespace.callInAnonymous(() -> {
            try (Nftables nft = Nftables.open()) {
                nft.run("test table", """
                        table ip weft_test {
                            set peers { type ipv4_addr; }
                            chain input { type filter hook input priority 0; policy accept; udp dport 6784 ip saddr != @peers counter drop; }
                        }
                        """);
                nft.run("test element", "add element ip weft_test peers { 192.168.77.2, 192.168.77.3 }\ndelete element ip weft_test peers { 192.168.77.3 }");
                return nft.query("test list", "list set ip weft_test peers");
            }
        });
        assertTrue(listed.contains("192.168.77.2"), listed);
        assertFalse(listed.contains("192.168.77.3"), listed);
    }

    @Test
    void aRefusedTransactionSaysNftsReasonAndAppliesNothing() throws Exception {
        String after = NetNamespace.callInAnonymous(() -> {
            try (Nftables nft = Nftables.open()) {
                NativeCallException refused = assertThrows(NativeCallException.class, () -> nft.run("half bad",
                        "add table ip weft_test\nadd chain ip weft_test nowhere { type filter hook nosuchhook priority 0; }"));
                assertTrue(refused.getMessage().startsWith("nft (half bad) failed: "), refused.getMessage());
                assertEquals("nft (half bad) failed: Error: unknown chain hook", refused.getMessage());
                return nft.query("test list", "list tables");
            }
        });
        assertEquals("", after, "the table of the refused transaction must not exist");
    }

    @Test
    void removeTableSaysWhetherThereWasOneAndLeavesNone() throws Exception {
        NetNamespace.callInAnonymous(() -> {
            try (Nftables nft = Nftables.open()) {
                assertFalse(nft.removeTable("ip weft_test"), "no table yet");
                nft.run("test table", "add table ip weft_test");
                assertTrue(nft.removeTable("ip weft_test"));
                assertEquals("", nft.query("test list", "list tables"));
                assertFalse(nft.removeTable("ip weft_test"), "removed already");
            }
            return null;
        });
    }
}
