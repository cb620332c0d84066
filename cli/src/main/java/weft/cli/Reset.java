package weft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import weft.api.ApiClient;
import weft.api.ApiClient.ApiException;
import weft.api.Attachment;
import weft.kernel.Nftables;
import weft.kernel.Rtnetlink;
import weft.kube.policy.PolicyController;
import weft.router.DataDirectory;
import weft.router.Router;
import weft.router.RouterConfig;
import weft.router.fastpath.FastPath;
import weft.router.plumbing.BridgeForwarding;
import weft.router.plumbing.AttachmentStore;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code weft reset}: Weft off this host, as if it had never run. With a router answering: it detaches every
 * container and the host, leaves the allocation ring (its ranges go to a reachable peer, so nobody needs
 * {@code rmpeer} for it), and stops. Then, router or not: the links Weft made (the containers' interfaces it recorded, the bridge, the
 * sleeve's TAP, the VXLAN port), the nftables table of the VXLAN guard, and the data directory go. Each step says
 * what it did; one that fails says why and the rest still run. Not thread-safe: one reset per call.
 */
final class Reset {
    /** A router that answers on the data directory's API; stopping it is {@link Stopping}'s. */
    interface Running {
        ApiClient api();

        int stop() throws ApiException;
    }

    private final Path dataDir;
    private final ObjectMapper json;
    private final PrintStream out;
    private final PrintStream err;
    private int failures;

    Reset(Path dataDir, ObjectMapper json, PrintStream out, PrintStream err) {
        this.dataDir = dataDir;
        this.json = json;
        this.out = out;
        this.err = err;
    }

    /** Resets with a router that answers: leave, detach, stop, then what {@link #offline()} does. */
    int withRouter(Running router) throws ApiException {
        ApiClient api = router.api();
        for (Attachment attachment : api.attachments()) {
            try {
                if (attachment.target().equals(Attachment.EXPOSE)) {
                    api.hide(List.of());
                    out.println("hid the host from " + String.join(" ", attachment.cidrs()));
                } else {
                    api.detach(attachment.target(), List.of());
                    out.println("detached " + attachment.target() + " " + String.join(" ", attachment.cidrs()));
                }
            } catch (ApiException e) {
                if (e.unreachable) throw e;
                fail("could not detach " + attachment.target() + ": " + e.getMessage());
            }
        }
        out.println("leave: " + api.leave()); // after the detaches, which gave their addresses back
        if (router.stop() != 0) {
            err.println("weft reset: the router did not stop; nothing else was removed");
            return 1;
        }
        return offline();
    }

    /** Resets with no router running: the links, the guard's table, the data directory. */
    int offline() {
        List<String> links = new ArrayList<>();
        Path attachments = dataDir.resolve("attachments.json");
        if (Files.exists(attachments)) {
            try {
                new AttachmentStore(attachments, json).all().stream().filter(a -> !a.target().equals(Attachment.EXPOSE))
                        .forEach(a -> links.add(a.hostInterface())); // removing a veth's host end removes the container's too
            } catch (RuntimeException e) {
                fail("could not read " + attachments + ": " + e.getMessage());
            }
        }
        links.addAll(List.of(FastPath.INTERFACE, Router.SLEEVE_INTERFACE, RouterConfig.BRIDGE));
        try (Rtnetlink host = Rtnetlink.open()) {
            for (String link : links) {
                if (host.link(link).isEmpty()) continue;
                try {
                    host.deleteLink(link);
                    out.println("removed link " + link);
                } catch (RuntimeException e) {
                    fail("could not remove link " + link + ": " + e.getMessage());
                }
            }
        } catch (RuntimeException e) {
            fail("could not look at this host's links: " + e.getMessage());
        }
        removeTables();
        try {
            BridgeForwarding.ofHost().remove(RouterConfig.BRIDGE).ifPresent(out::println);
        } catch (IOException | RuntimeException e) {
            fail("could not remove the iptables FORWARD rule for " + RouterConfig.BRIDGE + ": " + e.getMessage());
        }
        removeDataDirectory();
        out.println(failures == 0 ? "reset: Weft left nothing behind on this host" : "reset: done, with " + failures + " problems above");
        return failures == 0 ? 0 : 1;
    }

    /**
     * Weft's nftables tables: the VXLAN guard's, which a router that was killed could not remove, and the NetworkPolicy
     * table, which a stopped router leaves enforcing on purpose. Without libnftables there are none.
     */
    private void removeTables() {
        if (Nftables.unavailable().isPresent()) return;
        for (String table : List.of("inet " + FastPath.GUARD_TABLE, "ip " + PolicyController.TABLE)) {
            try (Nftables nft = Nftables.open()) {
                // none: a router that stopped cleanly removed it, or it never enforced policies
                if (nft.removeTable(table)) out.println("removed nftables table " + table);
            } catch (RuntimeException e) {
                fail("could not remove nftables table " + table + ": " + e.getMessage());
            }
        }
    }

    private void removeDataDirectory() {
        if (!Files.exists(dataDir)) return;
        try {
            DataDirectory.remove(dataDir);
            out.println("removed data directory " + dataDir);
        } catch (IOException | RuntimeException e) {
            fail("could not remove data directory " + dataDir + ": " + (e instanceof IOException io ? FileProblem.reason(io) : e.getMessage()));
        }
    }

    private void fail(String what) {
        failures++;
        err.println("weft reset: " + what);
    }
}
