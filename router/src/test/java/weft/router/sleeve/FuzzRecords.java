package weft.router.sleeve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The layout of the fuzz inputs that stand for what arrives over time (datagrams, frames): a setup byte, then records,
 * each a big-endian u16 length and that many bytes, the last one cut short by the end of the input. At most
 * {@code limit} records are read, so an input never makes a run longer than that.
 *
 * @param setup   the first byte, which the target reads as its own switches (0 for an empty input)
 * @param records the records in order
 */
public record FuzzRecords(int setup, List<byte[]> records) {
    public static FuzzRecords read(byte[] input, int limit) {
        List<byte[]> records = new ArrayList<>();
        int at = 1;
        while (at + 2 <= input.length && records.size() < limit) {
            int length = (input[at] & 0xFF) << 8 | input[at + 1] & 0xFF;
            int end = Math.min(input.length, at + 2 + length);
            records.add(Arrays.copyOfRange(input, at + 2, end));
            at = end;
        }
        return new FuzzRecords(input.length == 0 ? 0 : input[0] & 0xFF, records);
    }
}
