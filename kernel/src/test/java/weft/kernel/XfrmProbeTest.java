package weft.kernel;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class XfrmProbeTest {
    @Test
    void refusalLeadsWithTheKernelsExplanation() {
        assertEquals(new EspSupport(false, "no ESP: the kernel refused an rfc4106(gcm(aes)) SA: "
                        + "Requested AEAD algorithm not found (Function not implemented, errno 38)"),
                XfrmProbe.refused(new NetlinkSocket.Refusal(Errno.ENOSYS, "Requested AEAD algorithm not found")));
    }

    @Test
    void refusalWithoutExplanationNamesTheErrno() {
        assertEquals(new EspSupport(false, "no ESP: the kernel refused an rfc4106(gcm(aes)) SA: "
                        + "Protocol not supported (errno 93)"),
                XfrmProbe.refused(new NetlinkSocket.Refusal(Errno.EPROTONOSUPPORT, null)));
    }
}
