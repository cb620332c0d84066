package weft.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the probe against this machine's kernel, which has no ESP or GCM (shared/reference/kernel-facts.md). */
@EnabledIf("weft.kernel.KernelAccess#available")
class XfrmProbeKernelTest {

    private static String hostXfrmState() throws IOException, InterruptedException {
        Process ip = new ProcessBuilder("ip", "xfrm", "state").redirectErrorStream(true).start();
        String output = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ip.waitFor(10, TimeUnit.SECONDS), "ip xfrm state did not finish");
        assertEquals(0, ip.exitValue(), output);
        return output;
    }

    @Test
    void kernelWithoutEspGcmIsReportedAsRefusingTheSaAndNothingIsLeftInTheHostNamespace() throws Exception {
        // compared with what was there before, so SAs that are not the probe's cannot fail the test
        String before = hostXfrmState();

        EspSupport support = XfrmProbe.probe();

        assertFalse(support.available(), support.detail());
        assertTrue(support.detail().startsWith("no ESP: the kernel refused an rfc4106(gcm(aes)) SA: "), support.detail());
        assertTrue(support.detail().contains("Requested AEAD algorithm not found"), support.detail());
        assertEquals(before, hostXfrmState());
    }
}
