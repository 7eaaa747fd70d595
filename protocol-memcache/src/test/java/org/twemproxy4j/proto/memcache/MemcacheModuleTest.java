package org.twemproxy4j.proto.memcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.twemproxy4j.core.proto.Proto;

/** The module adds the memcache protocol to the core's protocol map under "memcache". */
class MemcacheModuleTest {
    @Test
    void registersMemcacheProto() {
        Injector injector = Guice.createInjector(new MemcacheModule());
        Map<String, Proto> protos = injector.getInstance(Key.get(new TypeLiteral<Map<String, Proto>>() { }));
        assertEquals(1, protos.size());
        Proto p = protos.get("memcache");
        assertTrue(p instanceof MemcacheProto);
        assertEquals("memcache", p.name());
        assertEquals("SERVER_ERROR Connection refused\r\n",
                new String(p.errorReply(111), java.nio.charset.StandardCharsets.ISO_8859_1));
    }
}
