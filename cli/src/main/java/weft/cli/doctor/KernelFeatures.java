package weft.cli.doctor;

import weft.api.StatusReport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Check: what the kernel offered the data paths when the router started (its status lists VXLAN with bridge port
 * isolation, ESP, the TAP's offloads, UDP GSO and GRO), and what each missing one costs. None of them breaks the
 * overlay: each lack makes it slower, so each warns. ESP matters only where data is encrypted. Stateless.
 */
final class KernelFeatures {
    static final String NAME = "kernel";

    private KernelFeatures() {
    }

    static List<Finding> check(Facts facts) {
        if (!(facts.router() instanceof RouterState.Answering answering)) return List.of(RouterAnswers.skipped(NAME));
        StatusReport status = answering.status();
        boolean encrypting = status.encryption() != null && status.encryption().startsWith("enabled");
        List<Finding> findings = new ArrayList<>();
        List<String> fine = new ArrayList<>();
        for (Map.Entry<String, String> feature : new TreeMap<>(status.kernel()).entrySet()) {
            String name = feature.getKey(), found = feature.getValue();
            if (offered(found)) {
                fine.add(name);
            } else if (name.startsWith("esp")) {
                if (encrypting) {
                    findings.add(Finding.warn(NAME, "no kernel ESP (" + found + "): encrypted pairs travel by the userspace sleeve, slower than the fast path",
                            "a kernel with ESP (modprobe esp4, xfrm with rfc4106(gcm(aes))), or --trusted-subnets for peers on a private underlay"));
                } else {
                    fine.add(name + " (not needed: no encryption)");
                }
            } else if (name.startsWith("vxlan")) {
                findings.add(Finding.warn(NAME, "no fast path: " + found + "; every pair goes by the sleeve",
                        "modprobe vxlan, free UDP 6784 (see the ports line), then restart the router"));
            } else {
                findings.add(Finding.warn(NAME, name + ": " + found + "; the sleeve moves data with more system calls", "a kernel of 5.0 or later"));
            }
        }
        if (findings.isEmpty()) findings.add(Finding.ok(NAME, String.join(", ", fine)));
        return findings;
    }

    /** Whether the status's text says the feature was there (or not wanted: the fast path off). */
    private static boolean offered(String found) {
        return found.startsWith("available") || found.endsWith(" available") || found.startsWith("not tried");
    }
}
