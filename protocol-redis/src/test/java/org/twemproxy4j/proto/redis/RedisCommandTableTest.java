package org.twemproxy4j.proto.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link RedisCommand} against redis-server 7.0's own {@code COMMAND} output, recorded in
 * {@code redis-commands.txt} by {@code scripts/redis-command-table.sh} (RedisCommandsIT checks the recording
 * against the installed redis-server): every server command has exactly one class, with the server's arity and,
 * where the server states them, its key positions; the proxy knows no command the server does not have.
 */
class RedisCommandTableTest {
    /** name, arity, flags, first key, last key, key step */
    static List<String[]> serverTable() throws Exception {
        List<String[]> out = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                RedisCommandTableTest.class.getResourceAsStream("/redis-commands.txt"), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    out.add(line.trim().split(" "));
                }
            }
        }
        return out;
    }

    private static RedisCommand lookup(String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        return RedisCommand.lookup(b, 0, b.length);
    }

    @Test
    void everyServerCommandHasExactlyOneClassAndTheServersArity() throws Exception {
        List<String[]> table = serverTable();
        assertTrue(table.size() >= 240, "redis 7.0 has 240 commands: " + table.size());
        TreeSet<String> missing = new TreeSet<>();
        Map<RedisCommand.Kind, Integer> perKind = new EnumMap<>(RedisCommand.Kind.class);
        for (String[] t : table) {
            RedisCommand c = lookup(t[0]);
            if (c == null) {
                missing.add(t[0]);
                continue;
            }
            assertEquals(t[0], c.wireName());
            assertEquals(Integer.parseInt(t[1]), c.arity(), t[0] + " arity");
            // the upper-case and mixed-case forms find the same entry
            assertEquals(c, lookup(t[0].toUpperCase(java.util.Locale.ROOT)));
            perKind.merge(c.kind(), 1, Integer::sum);
        }
        assertTrue(missing.isEmpty(), "server commands without a class in RedisCommand: " + missing);
        assertEquals(table.size(), RedisCommand.values().length, "RedisCommand has commands the server lacks");
        System.out.println("redis command classes: " + perKind);
    }

    @Test
    void keyPositionsAgreeWithTheServer() throws Exception {
        for (String[] t : serverTable()) {
            RedisCommand c = lookup(t[0]);
            assertNotNull(c, t[0]);
            int first = Integer.parseInt(t[3]);
            int last = Integer.parseInt(t[4]);
            int step = Integer.parseInt(t[5]);
            boolean blocking = t[2].contains("blocking");
            switch (c.kind()) {
                case KEY1:
                    if (first > 0) {
                        assertEquals(first, c.first, t[0]);
                        assertEquals(first, last, t[0] + ": a single-key command with several keys");
                    }
                    break;
                case MULTI:
                    assertEquals(first, c.first, t[0]);
                    assertEquals(last, c.last, t[0]);
                    assertEquals(step, c.step, t[0]);
                    break;
                case ARGX:
                case ARGKVX:
                    assertEquals(1, first, t[0]);
                    assertEquals(-1, last, t[0]);
                    break;
                case NUMKEYS:
                case EVAL:
                case STREAMS:
                case STORE:
                    assertTrue(t[2].contains("movablekeys") || first > 0, t[0] + ": key positions vary");
                    break;
                case SESSION:
                    break;
                default:
                    // local, refused, whole pool: never routed by a key
                    assertTrue(!blocking, t[0] + " blocks: it needs a session");
                    break;
            }
            if (blocking && c.kind() != RedisCommand.Kind.STREAMS) {
                assertEquals(RedisCommand.Kind.SESSION, c.kind(), t[0] + " blocks: it needs a session");
            }
            if (t[2].contains("pubsub")) {
                assertEquals(RedisCommand.Kind.SESSION, c.kind(), t[0]);
            }
        }
    }
}
