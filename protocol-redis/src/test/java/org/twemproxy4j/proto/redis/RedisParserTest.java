package org.twemproxy4j.proto.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.twemproxy4j.core.proto.ParseResult;

class RedisParserTest {
    /** test_all.c's redis request cases: expected command and request bytes. */
    static final List<String[]> CASES = new ArrayList<>();

    @BeforeAll
    static void load() throws Exception {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                RedisParserTest.class.getResourceAsStream("test_all_requests.txt"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                int tab = line.indexOf('\t');
                CASES.add(new String[] {line.substring(0, tab), unescape(line.substring(tab + 1))});
            }
        }
        assertEquals(117, CASES.size());
    }

    static String unescape(String c) {
        String s = c.substring(1, c.length() - 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\') {
                char e = s.charAt(++i);
                sb.append(e == 'r' ? '\r' : e == 'n' ? '\n' : e == 't' ? '\t' : e);
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static ParserDriver req(String s, int step, int mbuf) {
        return new ParserDriver(mbuf, true).feed(b(s), step);
    }

    private static void checkCase(String type, String data, ParserDriver d) {
        assertEquals(1, d.parsed.size(), data);
        ParserDriver.Parsed p = d.parsed.get(0);
        assertEquals(ParseResult.OK, p.result, data);
        assertEquals(type, p.command(), data);
        assertEquals(data, p.bytes);
        if (!type.equals("PING")) {
            assertEquals(0, p.perr, data);
            assertFalse(p.noforward, data);
        }
        assertEquals(0, d.leaked());
    }

    @Test
    void everyTestAllCaseWhole() {
        for (String[] c : CASES) {
            checkCase(c[0], c[1], req(c[1], Integer.MAX_VALUE, 16384));
        }
    }

    @Test
    void everyTestAllCaseOneByteAtATime() {
        for (String[] c : CASES) {
            checkCase(c[0], c[1], req(c[1], 1, 16384));
        }
    }

    @Test
    void everyTestAllCaseAtEverySplitPoint() {
        for (String[] c : CASES) {
            byte[] data = b(c[1]);
            for (int k = 1; k < data.length; k++) {
                ParserDriver d = new ParserDriver(16384, true);
                byte[] a = java.util.Arrays.copyOfRange(data, 0, k);
                byte[] rest = java.util.Arrays.copyOfRange(data, k, data.length);
                // two reads into one message
                byte[] both = new byte[data.length];
                System.arraycopy(a, 0, both, 0, a.length);
                System.arraycopy(rest, 0, both, a.length, rest.length);
                d.feed(both, k);
                checkCase(c[0], c[1], d);
            }
        }
    }

    @Test
    void allCasesPipelinedInSmallMbufsForceRepair() {
        StringBuilder all = new StringBuilder();
        for (int rep = 0; rep < 5; rep++) {
            for (String[] c : CASES) {
                all.append(c[1]);
            }
        }
        for (int step : new int[] {512, 100, 7, 1}) {
            ParserDriver d = req(all.toString(), step, 512);
            assertEquals(CASES.size() * 5, d.parsed.size(), "step " + step);
            // one byte per read never leaves a partial name at a chunk end: each message starts a fresh chunk
            assertTrue(step == 1 || d.repairs > 0, "a command name straddled an mbuf end: step " + step + " " + d.repairs);
            for (int i = 0; i < d.parsed.size(); i++) {
                String[] c = CASES.get(i % CASES.size());
                assertEquals(c[0], d.parsed.get(i).command());
                assertEquals(c[1], d.parsed.get(i).bytes);
            }
            assertEquals(0, d.leaked());
        }
    }

    @Test
    void keysAreRecordedByCommandKind() {
        ParserDriver d = req("*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$3\r\nbar\r\n"
                + "*4\r\n$4\r\nMGET\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
                + "*5\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
                + "*6\r\n$4\r\nEVAL\r\n$1\r\ns\r\n$1\r\n2\r\n$2\r\nk1\r\n$2\r\nk2\r\n$1\r\nx\r\n"
                + "*3\r\n$6\r\nSUNION\r\n$1\r\na\r\n$1\r\nb\r\n"
                + "GET  \"quoted key\"  \r\n", Integer.MAX_VALUE, 16384);
        assertEquals(6, d.parsed.size());
        assertEquals(List.of("foo"), d.parsed.get(0).keys);
        assertEquals(List.of("a", "b", "c"), d.parsed.get(1).keys);
        assertEquals(List.of("a", "1", "b", "2"), d.parsed.get(2).keys, "MSET: key value pairs");
        assertEquals(List.of("k1", "k2"), d.parsed.get(3).keys, "EVAL: every key (co-located)");
        assertEquals(List.of("a", "b"), d.parsed.get(4).keys, "SUNION: every key (co-located)");
        assertEquals(List.of("quoted key"), d.parsed.get(5).keys);
        assertEquals("GET", d.parsed.get(5).command());
    }

    @Test
    void keyLongerThanAnMbufSpansMbufs() {
        String key = "k".repeat(3000);
        String r = "*2\r\n$3\r\nGET\r\n$3000\r\n" + key + "\r\n";
        ParserDriver d = req(r + r, 300, 512);
        assertEquals(2, d.parsed.size());
        assertEquals(key, d.parsed.get(0).keys.get(0));
        assertEquals(key, d.parsed.get(1).keys.get(0));
        assertEquals(0, d.leaked());
    }

    @Test
    void inlineRequests() {
        ParserDriver d = req("PING\r\nget foo\nset a \"b c\"\r\n\r\n   \r\nping hello\r\n", 3, 512);
        assertEquals(6, d.parsed.size());
        assertEquals("PING", d.parsed.get(0).command());
        assertTrue(d.parsed.get(0).noforward);
        assertEquals("GET", d.parsed.get(1).command());
        assertEquals(List.of("foo"), d.parsed.get(1).keys);
        assertEquals("SET", d.parsed.get(2).command());
        assertEquals(3, d.parsed.get(2).narg);
        assertEquals(RedisParser.PERR_IGNORE, d.parsed.get(3).perr);
        assertEquals(RedisParser.PERR_IGNORE, d.parsed.get(4).perr);
        assertEquals(2, d.parsed.get(5).narg);
    }

    @Test
    void commandErrorsKeepFraming() {
        ParserDriver d = req("*2\r\n$3\r\nFOO\r\n$1\r\na\r\n*1\r\n$3\r\nGET\r\n*4\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\nb\r\n"
                + "$1\r\nc\r\n*1\r\n$4\r\nQUIT\r\n*3\r\n$4\r\nEVAL\r\n$1\r\ns\r\n$1\r\nx\r\n*0\r\n"
                + "*1\r\n$40\r\n" + "x".repeat(40) + "\r\n", 1, 512);
        assertEquals(7, d.parsed.size());
        assertEquals(RedisParser.PERR_UNKNOWN, d.parsed.get(0).perr);
        assertEquals(RedisParser.PERR_ARITY, d.parsed.get(1).perr);
        assertEquals(RedisParser.PERR_ARITY, d.parsed.get(2).perr);
        assertTrue(d.parsed.get(3).quit);
        assertEquals(RedisParser.PERR_NOTINT, d.parsed.get(4).perr);
        assertEquals(RedisParser.PERR_IGNORE, d.parsed.get(5).perr);
        assertEquals(RedisParser.PERR_UNKNOWN, d.parsed.get(6).perr);
    }

    @Test
    void framingErrors() {
        Object[][] cases = {
            {"*3\r\n*abcde\r\n", RedisParser.PERR_DOLLAR},
            {"*x\r\n", RedisParser.PERR_MBULK_LEN},
            {"*01\r\n", RedisParser.PERR_MBULK_LEN},
            {"*9999999999\r\n", RedisParser.PERR_MBULK_LEN},
            {"*1\r\n$x\r\n", RedisParser.PERR_BULK_LEN},
            {"*1\r\n$-5\r\n", RedisParser.PERR_BULK_LEN},
            {"*1\r\n$99999999999\r\n", RedisParser.PERR_BULK_LEN},
            {"PING \"a\r\n", RedisParser.PERR_QUOTES},
            {"GET \"a\"b\r\n", RedisParser.PERR_QUOTES},
            {"x".repeat(70000), RedisParser.PERR_INLINE_BIG},
        };
        for (Object[] c : cases) {
            for (int step : new int[] {Integer.MAX_VALUE, 1}) {
                ParserDriver d = req((String) c[0], step, 16384);
                assertEquals(1, d.errors, (String) c[0]);
                ParserDriver.Parsed p = d.parsed.get(d.parsed.size() - 1);
                assertEquals(ParseResult.ERROR, p.result);
                assertEquals(c[1], p.perr, (String) c[0]);
                assertEquals(0, d.leaked());
            }
        }
    }

    @Test
    void redisLeniencyAfterBulk() {
        // redis-server does not look at the two bytes after a bulk
        ParserDriver d = req("*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", 1, 512);
        assertEquals(2, d.parsed.size());
        assertEquals("PING", d.parsed.get(1).command());
    }

    @Test
    void randomBytesNeverBreakTheParser() {
        java.util.Random rnd = new java.util.Random(7);
        String alphabet = "*$\r\n0123456789-GETSETgetPINGping \"'\\x";
        for (int round = 0; round < 3000; round++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + rnd.nextInt(200);
            for (int i = 0; i < len; i++) {
                sb.append(rnd.nextInt(4) == 0 ? (char) rnd.nextInt(256) : alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            for (boolean request : new boolean[] {true, false}) {
                ParserDriver d = new ParserDriver(512, request).feed(b(sb.toString()), 1 + rnd.nextInt(64));
                assertEquals(0, d.leaked());
                assertTrue(d.errors <= 1);
            }
        }
    }

    // responses

    private static ParserDriver rsp(String s, int step, int mbuf) {
        return new ParserDriver(mbuf, false).feed(b(s), step);
    }

    static final String[] RSP_OK = {
        "-CUSTOMERR\r\n", "-Error message\r\n", "+OK\r\n", "$6\r\nfoobar\r\n", "$0\r\n\r\n", "$-1\r\n", "*0\r\n",
        "*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n", "*3\r\n:1\r\n:2\r\n:3\r\n", "*-1\r\n",
        "*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Foo\r\n-Bar\r\n", ":-12\r\n",
        "*3\r\n*1\r\n*1\r\n*0\r\n$-1\r\n*2\r\n$1\r\na\r\n*-1\r\n",
    };

    @Test
    void responsesAtEverySplitPointAndPipelined() {
        StringBuilder all = new StringBuilder();
        for (String r : RSP_OK) {
            all.append(r);
            for (int step = 1; step <= r.length(); step++) {
                ParserDriver d = rsp(r, step, 512);
                assertEquals(1, d.parsed.size(), r);
                assertEquals(r, d.parsed.get(0).bytes);
            }
        }
        String big = "$5000\r\n" + "v".repeat(5000) + "\r\n";
        all.append(big);
        for (int step : new int[] {1, 13, 512, Integer.MAX_VALUE}) {
            ParserDriver d = rsp(all.toString(), step, 512);
            assertEquals(RSP_OK.length + 1, d.parsed.size());
            assertEquals(big, d.parsed.get(RSP_OK.length).bytes);
            assertEquals(0, d.leaked());
        }
    }

    @Test
    void responseTypesAndFailure() {
        RedisProto proto = new RedisProto();
        ParserDriver d = rsp("-OOM command not allowed\r\n-BUSY x\r\n-LOADING y\r\n-ERR z\r\n:1\r\n", 1, 512);
        assertEquals(5, d.parsed.size());
        assertEquals(RedisParser.RSP_ERROR, d.parsed.get(0).type);
        assertEquals(RedisParser.RSP_INTEGER, d.parsed.get(4).type);
        // failure() reads Msg state: re-parse each alone into a message we keep
        for (int i = 0; i < 5; i++) {
            String s = d.parsed.get(i).bytes;
            org.twemproxy4j.core.msg.Msg m = new org.twemproxy4j.core.msg.Msg(false);
            org.twemproxy4j.mbuf.MbufPool pool = new org.twemproxy4j.mbuf.MbufPool(512, 4);
            org.twemproxy4j.mbuf.Mbuf mb = pool.get();
            mb.copy(b(s), 0, s.length());
            m.mhdr.insert(mb);
            m.pos = mb.pos();
            m.mlen = s.length();
            assertEquals(ParseResult.OK, RedisParser.parseResponse(m));
            assertEquals(i < 3, proto.failure(m), s);
            m.mhdr.putAll(pool);
        }
    }

    @Test
    void responseFailures() {
        for (String r : new String[] {"*\r\n", ":x\r\n", "$6\r\nfoobarr\r\n", "$6\r\nfoobar\n\n", "$0\r\nx\r\n",
            "$0\n", "*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n\r\n", "?\r\n", "$-2\r\n"}) {
            ParserDriver d = rsp(r, 1, 512);
            assertEquals(1, d.errors, r);
            d = rsp(r, Integer.MAX_VALUE, 512);
            assertEquals(1, d.errors, r);
        }
    }

    private static String mb(String... args) {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return sb.toString();
    }

    /** Each case: the request's arguments, then the keys the core must see (all on one server, or -CROSSSLOT). */
    private static final String[][][] COLOCATED = {
        {{"RENAME", "a", "b"}, {"a", "b"}},
        {{"COPY", "a", "b", "DB", "0", "REPLACE"}, {"a", "b"}},
        {{"SMOVE", "s", "d", "m"}, {"s", "d"}},
        {{"LMOVE", "s", "d", "LEFT", "RIGHT"}, {"s", "d"}},
        {{"BITOP", "AND", "d", "a", "b"}, {"d", "a", "b"}},
        {{"MSETNX", "a", "1", "b", "2"}, {"a", "1", "b", "2"}},
        {{"PFCOUNT", "a", "b", "c"}, {"a", "b", "c"}},
        {{"ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"}, {"d", "a", "b"}},
        {{"ZINTER", "2", "a", "b", "WITHSCORES"}, {"a", "b"}},
        {{"SINTERCARD", "2", "a", "b", "LIMIT", "1"}, {"a", "b"}},
        {{"LMPOP", "3", "a", "b", "c", "LEFT", "COUNT", "2"}, {"a", "b", "c"}},
        {{"ZMPOP", "1", "z", "MIN"}, {"z"}},
        {{"ZDIFFSTORE", "d", "x", "a"}, {"d"}},
        {{"FCALL", "f", "2", "a", "b", "arg"}, {"a", "b"}},
        {{"EVALSHA_RO", "sha", "1", "a", "arg"}, {"a"}},
        {{"XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"}, {"s1", "s2"}},
        {{"XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "s1", ">"}, {"s1"}},
        {{"SORT", "l", "BY", "store", "LIMIT", "0", "1", "STORE", "d"}, {"l", "d"}},
        {{"GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "d"}, {"g", "d"}},
        {{"GEORADIUSBYMEMBER", "g", "m", "200", "km"}, {"g"}},
        {{"OBJECT", "ENCODING", "k"}, {"k"}},
        {{"XINFO", "STREAM", "s"}, {"s"}},
        {{"XGROUP", "CREATE", "s", "g", "$"}, {"s"}},
        {{"GETEX", "k", "PERSIST"}, {"k"}},
    };

    @Test
    void colocatedCommandsRecordEveryKeyInBothForms() {
        for (String[][] c : COLOCATED) {
            String inline = String.join(" ", c[0]) + "\r\n";
            for (String form : new String[] {mb(c[0]), inline}) {
                for (int step : new int[] {Integer.MAX_VALUE, 1}) {
                    ParserDriver d = req(form + form, step, 512);
                    assertEquals(2, d.parsed.size(), form);
                    for (ParserDriver.Parsed p : d.parsed) {
                        assertEquals(0, p.perr, form);
                        assertFalse(p.noforward, form);
                        assertEquals(List.of(c[1]), p.keys, form);
                    }
                }
            }
        }
    }

    @Test
    void refusedCommandsAreAnsweredLocally() {
        ParserDriver d = req(mb("CONFIG", "GET", "x") + mb("MOVE", "k", "1") + mb("SHUTDOWN")
                + mb("HELLO", "3") + mb("CLIENT", "ID") + mb("ECHO", "x"), 3, 512);
        assertEquals(6, d.parsed.size());
        int[] want = {RedisParser.PERR_REFUSED, RedisParser.PERR_REFUSED, RedisParser.PERR_REFUSED, 0, 0, 0};
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], d.parsed.get(i).perr, d.parsed.get(i).toString());
            assertTrue(d.parsed.get(i).noforward, d.parsed.get(i).toString());
        }
    }

    @Test
    void sessionCommandsAreForwardedWithTheirKeysAndBlockTime() {
        String[][] cmds = {
            {"BLPOP", "a", "0"}, {"BRPOP", "a", "b", "1.5"}, {"BLMOVE", "s", "d", "LEFT", "RIGHT", "0.01"},
            {"BRPOPLPUSH", "s", "d", "2"}, {"BZPOPMIN", "z", "0"}, {"BLMPOP", "3", "2", "x", "y", "LEFT"},
            {"BZMPOP", "1", "1", "z", "MIN"}, {"WAIT", "1", "250"}, {"XREAD", "BLOCK", "250", "STREAMS", "s", "$"},
            {"MULTI"}, {"WATCH", "a", "b"}, {"EXEC"}, {"SUBSCRIBE", "c1", "c2"}, {"PSUBSCRIBE", "n.*"},
            {"UNSUBSCRIBE"}, {"PUBLISH", "ch", "m"}, {"SPUBLISH", "ch", "m"}, {"PUBSUB", "NUMSUB", "c"}};
        String[][] keys = {{"a"}, {"a", "b"}, {"s", "d"}, {"s", "d"}, {"z"}, {"x", "y"}, {"z"}, {}, {"s"}, {},
            {"a", "b"}, {}, {"c1", "c2"}, {"n.*"}, {}, {"ch"}, {"ch"}, {"NUMSUB", "c"}};
        long[] block = {0, 1500, 10, 2000, 0, 3000, 1000, 250, 250, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        StringBuilder all = new StringBuilder();
        for (String[] c : cmds) {
            all.append(mb(c));
        }
        for (int step : new int[] {Integer.MAX_VALUE, 3, 1}) {
            ParserDriver d = req(all.toString(), step, 512);
            assertEquals(cmds.length, d.parsed.size());
            for (int i = 0; i < cmds.length; i++) {
                ParserDriver.Parsed p = d.parsed.get(i);
                assertEquals(0, p.perr, p.toString());
                assertFalse(p.noforward, p.toString());
                assertEquals(List.of(keys[i]), p.keys, p.toString());
                assertEquals(block[i], p.integer, p.toString());
            }
        }
    }

    @Test
    void responseRecordsTopLevelElementSpansAndIntegers() {
        String arr = "*5\r\n$3\r\nfoo\r\n$-1\r\n*2\r\n:1\r\n*1\r\n+x\r\n:-42\r\n$0\r\n\r\n";
        String[] elems = {"$3\r\nfoo\r\n", "$-1\r\n", "*2\r\n:1\r\n*1\r\n+x\r\n", ":-42\r\n", "$0\r\n\r\n"};
        for (int step : new int[] {Integer.MAX_VALUE, 5, 1}) {
            for (int mbuf : new int[] {16384, 512}) {
                ParserDriver d = rsp(arr + ":-17\r\n" + ":123\r\n" + arr, step, mbuf);
                assertEquals(4, d.parsed.size());
                assertEquals(List.of(elems), d.parsed.get(0).keys, "step " + step);
                assertEquals(List.of(elems), d.parsed.get(3).keys, "step " + step);
                assertEquals(-17, d.parsed.get(1).integer);
                assertEquals(123, d.parsed.get(2).integer);
            }
        }
        // elements spanning mbufs
        String big = "x".repeat(1500);
        String r = "*2\r\n$1500\r\n" + big + "\r\n$2\r\nab\r\n";
        ParserDriver d = rsp(r, 100, 512);
        assertEquals(List.of("$1500\r\n" + big + "\r\n", "$2\r\nab\r\n"), d.parsed.get(0).keys);
    }
}
