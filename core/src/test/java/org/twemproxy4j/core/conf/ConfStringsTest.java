package org.twemproxy4j.core.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** C's integer and string behaviour that decides nutcracker's verdicts. */
class ConfStringsTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int atoi(String s) {
        byte[] v = b(s);
        return ConfStrings.ncAtoi(v, 0, v.length);
    }

    private static Integer octal(String s) {
        byte[] v = b(s);
        return ConfStrings.strtolOctal(v, 0, v.length);
    }

    @Test
    void ncAtoi() {
        assertEquals(0, atoi("0"));
        assertEquals(22121, atoi("022121"));
        assertEquals(2147483647, atoi("2147483647"));
        assertEquals(-1, atoi("2147483648"), "wraps negative, then refused");
        assertEquals(1, atoi("4294967297"), "wraps to 1");
        assertEquals(-1, atoi(""));
        assertEquals(-1, atoi("-5"));
        assertEquals(-1, atoi("+5"));
        assertEquals(-1, atoi(" 5"));
        assertEquals(-1, atoi("10ms"));
    }

    @Test
    void strtolOctal() {
        assertEquals(0777, octal("0777"));
        assertEquals(0777, octal("777"));
        assertEquals(0, octal("999"));
        assertEquals(0, octal(""));
        assertEquals(07, octal("+7"));
        assertEquals(-1, octal("-1"));
        assertEquals(0644, octal("\t644x"));
        assertNull(octal("7777777777777777777777"), "ERANGE");
        assertEquals(0, octal("-40000000000"), "-2^32 cast to 32 bits");
    }

    @Test
    void stringCompareIsLengthFirstThenUnsignedBytes() {
        assertTrue(ConfStrings.compare(b("zz"), b("aaa")) < 0);
        assertTrue(ConfStrings.compare(b("ab"), b("b\u00e9".substring(0, 1) + "c")) < 0);
        assertTrue(ConfStrings.compare(b("\u00e9"), b("zz")) > 0, "0xc3 sorts after 'z'");
        assertEquals(0, ConfStrings.compare(b("same"), b("same")));
        assertEquals(0, ConfStrings.compare(new byte[] {'a', 0, 'b'}, new byte[] {'a', 0, 'c'}), "strncmp");
    }

    @Test
    void inetAtonExact() {
        for (String ok : new String[] {"127.0.0.1", "127.1", "0x7f.1", "0177.0.0.1", "2130706433", "0", "1.2.3",
                "0X7F000001", "255.255.255.255"}) {
            assertTrue(ConfStrings.inetAtonExact(ok), ok);
        }
        for (String bad : new String[] {"0x", "08", "1.2.3.09", "256.0.0.1", "1.2.3.4.", "1..2", "4294967296",
                "1.2.3.256", "127.0.0.1 ", " 1", "1.16777216", ".1", "x1"}) {
            assertFalse(ConfStrings.inetAtonExact(bad), bad);
        }
    }

    @Test
    void cStringStopsAtNul() {
        assertEquals("a\0\0\0", new String(ConfStrings.cString(b("a\0bc")), StandardCharsets.UTF_8));
        assertEquals("abc", new String(ConfStrings.cString(b("abc")), StandardCharsets.UTF_8));
    }
}
