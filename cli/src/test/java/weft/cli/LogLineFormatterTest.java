package weft.cli;

import org.junit.jupiter.api.Test;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogLineFormatterTest {
    @Test
    void aNicknameWithNewlinesCannotForgeALineOfTheLog() {
        LogRecord record = new LogRecord(Level.INFO, "connected to 7a:31:c4:02:9e:0e(evil\n2026-12-06 06:00:00.000 INFO    stop requested\r\u0007)");
        String line = new LogLineFormatter().format(record);
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.endsWith("connected to 7a:31:c4:02:9e:0e(evil\\n2026-12-06 06:00:00.000 INFO    stop requested\\r\\x07)" + System.lineSeparator()), line);
        assertTrue(line.contains(" INFO    connected to"), line);
    }

    @Test
    void anOrdinaryMessageIsLeftAsItIs() {
        assertEquals("fast path to host2 (192.168.77.2): working", LogLineFormatter.escape("fast path to host2 (192.168.77.2): working"));
        assertEquals("caf\u00e9 \u2192 ok", LogLineFormatter.escape("caf\u00e9 \u2192 ok"));
    }
}
