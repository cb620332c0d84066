package weft.api;

/**
 * A NetworkPolicy controller running inside the router (the Kubernetes addon's), whose status and answers the
 * router's API serves. Implementations are thread-safe: the API serves calls side by side.
 */
public interface PolicyService {
    PolicyStatus status();

    /** @throws IllegalArgumentException when an end is neither a known pod nor an IPv4 address */
    ApiReply.PolicyVerdict why(ApiRequest.PolicyQuestion question);
}
