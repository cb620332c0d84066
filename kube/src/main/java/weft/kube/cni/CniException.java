package weft.kube.cni;

/**
 * A CNI error result: the spec's code (1 incompatible version, 4 bad environment, 6 undecodable, 7 invalid
 * configuration, 11 try again later, 50 not available...), a short message and the details. The plugin prints it as
 * JSON on standard out and exits non-zero.
 */
final class CniException extends Exception {
    static final int INCOMPATIBLE_VERSION = 1, UNSUPPORTED_FIELD = 2, UNKNOWN_CONTAINER = 3, INVALID_ENVIRONMENT = 4,
            IO_FAILURE = 5, UNDECODABLE = 6, INVALID_CONFIGURATION = 7, TRY_AGAIN_LATER = 11, NOT_AVAILABLE = 50;

    private final int code;
    private final String details;

    CniException(int code, String message, String details) {
        super(message);
        this.code = code;
        this.details = details;
    }

    int code() {
        return code;
    }

    String details() {
        return details;
    }
}
