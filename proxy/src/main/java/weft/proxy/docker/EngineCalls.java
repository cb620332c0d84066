package weft.proxy.docker;

import java.io.IOException;

/** The proxy's own calls to the Docker engine, one request and its whole reply each. Implementations are thread-safe. */
interface EngineCalls {
    /** The engine's status and body. */
    record Reply(int status, byte[] body) {
    }

    /** {@code method path} with the JSON body {@code json} (null for none). */
    Reply call(String method, String path, byte[] json) throws IOException;
}
