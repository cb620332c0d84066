package weft.kernel;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/** Hex in, hex out, so expected kernel messages read as the bytes they are. */
final class Bytes {
    private Bytes() {}

    /** Whitespace in {@code hex} is ignored: group it as the ABI groups fields. */
    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
    }

    /** Expected hex as written in a test, grouped by field, compared as one lower-case string. */
    static String spaceless(String hex) {
        return hex.replaceAll("\\s+", "").toLowerCase(java.util.Locale.ROOT);
    }

    static String hex(MemorySegment segment, int length) {
        return HexFormat.of().formatHex(segment.asSlice(0, length).toArray(JAVA_BYTE));
    }

    static MemorySegment segment(String hex) {
        return MemorySegment.ofArray(hex(hex));
    }
}
