package io.syndrop.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.input.UsageException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The syslog sinks' timeout= parameter: its default, a given value, and clear errors for bad ones. */
class SinksTest {
    private static SyslogSink open(String spec) throws Exception {
        return (SyslogSink) Sinks.open(spec, false, System.out);
    }

    @Test
    void timeoutDefaultsToThirtySecondsAndCanBeSet() throws Exception {
        assertEquals(Duration.ofSeconds(30), open("syslog+tcp://127.0.0.1:514").timeout());
        assertEquals(Duration.ofMillis(1500), open("syslog+tcp://127.0.0.1:514?timeout=1500ms").timeout());
        assertEquals(Duration.ofMinutes(2), open("syslog+udp://127.0.0.1:514?timeout=2m").timeout());
        assertEquals(Duration.ofSeconds(5), open("syslog+tls://127.0.0.1:6514?timeout=5s").timeout());
    }

    @Test
    void badTimeoutsAndMisplacedParametersAreRefusedWithWhatToWrite() {
        UsageException zero = assertThrows(UsageException.class, () -> open("syslog+tcp://127.0.0.1:514?timeout=0s"));
        assertTrue(zero.getMessage().contains("timeout must be positive"), zero.getMessage());
        UsageException junk = assertThrows(UsageException.class, () -> open("syslog+tcp://127.0.0.1:514?timeout=soon"));
        assertTrue(junk.getMessage().contains("expects a duration like 30s"), junk.getMessage());
        UsageException unknown = assertThrows(UsageException.class, () -> open("syslog+tcp://127.0.0.1:514?retry=3"));
        assertTrue(unknown.getMessage().contains("unknown parameter 'retry' (timeout"), unknown.getMessage());
        UsageException ca = assertThrows(UsageException.class, () -> open("syslog+tcp://127.0.0.1:514?timeout=5s&ca=/x.pem"));
        assertTrue(ca.getMessage().contains("ca/cert/key only apply to syslog+tls"), ca.getMessage());
    }
}
