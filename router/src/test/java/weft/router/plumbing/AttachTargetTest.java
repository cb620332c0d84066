package weft.router.plumbing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AttachTargetTest {
    @Test
    void parsesTheThreeKinds() {
        assertEquals(new AttachTarget.Netns("c1"), AttachTarget.parse("netns:c1"));
        assertEquals(new AttachTarget.Pid(42), AttachTarget.parse("pid:42"));
        assertEquals(new AttachTarget.Docker("web-1"), AttachTarget.parse("web-1"));
        assertEquals(new AttachTarget.Docker("3f2a"), AttachTarget.parse("docker:3f2a"));
        assertEquals("netns:c1", AttachTarget.parse("netns:c1").key());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "netns:", "netns:..", "netns:a/b", "pid:", "pid:0", "pid:-3", "pid:12x", "pid:99999999999",
            "-rf", "docker:netns:x", "a b", "../etc"})
    void rejectsAnythingElse(String text) {
        assertThrows(IllegalArgumentException.class, () -> AttachTarget.parse(text));
    }
}
