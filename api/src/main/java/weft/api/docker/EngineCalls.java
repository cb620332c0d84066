package weft.api.docker;

import java.io.IOException;

/** Calls to the Docker engine's API, one request and its whole reply each. Implementations are thread-safe. */
public interface EngineCalls {
    /** The engine's status and body. */
    record Reply(int status, byte[] body) {
    }

    /** {@code method path} with the JSON body {@code json} (null for none). */
    Reply call(String method, String path, byte[] json) throws IOException;
}
