package org.twemproxy4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class InstanceTest {

    @Test
    void defaultsAreUpstreamNutcrackers() throws Exception {
        Instance i = Instance.defaults();
        assertEquals("conf/nutcracker.yml", i.confFilename);
        assertEquals(5, i.logLevel);
        assertNull(i.logFilename);
        assertEquals(22222, i.statsPort);
        assertEquals("0.0.0.0", i.statsAddr);
        assertEquals(30000, i.statsInterval);
        assertNull(i.pidFilename);
        assertEquals(16384, i.mbufChunkSize);
        assertEquals(ProcessHandle.current().pid(), i.pid);
        Path proc = Path.of("/proc/sys/kernel/hostname");
        if (Files.isReadable(proc)) {
            assertEquals(Files.readString(proc, StandardCharsets.UTF_8).trim(), i.hostname);
        }
        assertFalse(i.hostname.isEmpty());
    }

    @Test
    void limits() {
        assertEquals(0, Instance.NC_LOG_MIN);
        assertEquals(11, Instance.NC_LOG_MAX);
        assertEquals(512, Instance.NC_MBUF_MIN_SIZE);
        assertEquals(16 * 1024 * 1024, Instance.NC_MBUF_MAX_SIZE);
    }

    @Test
    void everyFieldAsGiven() {
        Instance i = new Instance("a.yml", 11, "x.log", 1, "127.0.0.1", 0, "x.pid", 512, "h", 42);
        assertEquals("a.yml", i.confFilename);
        assertEquals(11, i.logLevel);
        assertEquals("x.log", i.logFilename);
        assertEquals(1, i.statsPort);
        assertEquals("127.0.0.1", i.statsAddr);
        assertEquals(0, i.statsInterval);
        assertEquals("x.pid", i.pidFilename);
        assertEquals(512, i.mbufChunkSize);
        assertEquals("h", i.hostname);
        assertEquals(42, i.pid);
        assertTrue(i.toString().contains("a.yml"));
    }

    @Test
    void requiredFields() {
        assertThrows(NullPointerException.class, () -> new Instance(null, 5, null, 1, "a", 0, null, 512));
        assertThrows(NullPointerException.class, () -> new Instance("c", 5, null, 1, null, 0, null, 512));
    }
}
