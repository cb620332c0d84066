package weft.kernel;

import java.util.Objects;

/**
 * Whether the kernel can carry encrypted pairs in ESP with AES-GCM, as {@link XfrmProbe#probe()} found,
 * and why, in words for {@code weft report}: {@code detail} starts with "ESP with", "no ESP:" or, when
 * the probe could not tell, "unknown:". Immutable, so thread-safe.
 */
public record EspSupport(boolean available, String detail) {
    public EspSupport {
        Objects.requireNonNull(detail, "detail");
    }
}
