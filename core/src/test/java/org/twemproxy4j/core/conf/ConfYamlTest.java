package org.twemproxy4j.core.conf;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The YAML that nutcracker (libyaml 0.2.5 plus {@code conf_pre_validate}) refuses, and the libyaml leniencies
 * snakeyaml lacks, which must be accepted. Every refusal is a one-line {@link ConfException}, never a snakeyaml
 * exception.
 */
class ConfYamlTest {
    private static final String BODY = "  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:6379:1\n";
    private static final String GOOD = "alpha:\n" + BODY;

    static ConfException refused(String yaml, String fragment) {
        ConfException e = assertThrows(ConfException.class, () -> Conf.parse(yaml, "y.yml"));
        assertTrue(e.getMessage().contains(fragment), "want '" + fragment + "' in: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("y.yml"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    static Conf accepted(String yaml) {
        return assertDoesNotThrow(() -> Conf.parse(yaml, "y.yml"));
    }

    @Test
    void exactlyOneDocument() {
        refused("", "found 0");
        refused("# only a comment\n", "found 0");
        refused(GOOD + "---\nbeta:\n" + BODY.replace("22121", "22122"), "found 2");
    }

    @Test
    void documentMarkersAndDirectives() {
        refused("---\n" + GOOD, "document start marker");
        refused(GOOD + "...\n", "document end marker");
        refused("%YAML 1.1\n---\n" + GOOD, "directive");
        refused("%TAG !e! tag:example.com,2000:\n---\n" + GOOD, "directive");
    }

    @Test
    void flowCollections() {
        refused("alpha:\n  listen: 127.0.0.1:22121\n  servers: [127.0.0.1:6379:1]\n", "flow sequence");
        refused("alpha: {listen: 127.0.0.1:22121}\n", "flow mapping");
    }

    @Test
    void anchorsAliasesAndTags() {
        ConfException e = refused("alpha:\n  listen: &l 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:6379:1\n",
                "anchor");
        assertEquals(2, e.line());
        refused("a: &x\n" + BODY + "b: *x\n", "anchor");
        refused("alpha:\n  listen: !!str 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:6379:1\n", "tag");
    }

    @Test
    void shapeIsPoolThenDirectives() {
        refused("- a\n", "not a sequence");
        refused("alpha\n", "not a scalar");
        refused("alpha: x\n", "must be a mapping of directives");
        refused("alpha:\n  - x\n", "not a sequence");
        refused("c:\n  alpha:\n    listen: 127.0.0.1:1\n    servers:\n      - h:1:1\n", "cannot hold a mapping");
        refused("alpha:\n  listen:\n    host: 127.0.0.1\n  servers:\n    - h:1:1\n", "cannot hold a mapping");
        refused("alpha:\n  listen: 127.0.0.1:1\n  servers:\n    - host: h\n", "cannot hold a mapping");
        refused("alpha:\n  listen: 127.0.0.1:1\n  servers:\n    - - h:1:1\n", "inside its sequence");
        refused(GOOD + "  hash:\n    - md5\n", "second sequence");
        refused("? - a\n: b\n", "not a sequence");
    }

    @Test
    void syntaxErrorsAreConfExceptions() {
        ConfException e = refused("alpha:\n  listen: \"127.0.0.1:22121\n  servers:\n    - h:1:1\n", "invalid YAML");
        assertTrue(e.line() > 0);
        refused("alpha:\n  listen: 127.0.0.1:22121\n   hash: md5\n  servers:\n    - h:1:1\n", "invalid YAML");
        refused("alpha:\n  listen: 127.0.0.1:22121\n  redis_auth: a\u0001b\n  servers:\n    - h:1:1\n",
                "U+0001");
        refused("alpha:\n  listen: 127.0.0.1:22121\n  redis_auth: \"\\q\"\n  servers:\n    - h:1:1\n",
                "escape");
    }

    @Test
    void tabsWhereLibyamlRefusesThem() {
        refused("alpha:\n\tlisten: 127.0.0.1:22121\n  servers:\n    - h:1:1\n", "tab");
        refused("alpha:\n  listen: 127.0.0.1:22121\n  servers:\n    -\th:1:1\n", "tab");
        refused("alpha:\n  listen: 127.0.0.1:22121\n\t\n  servers:\n    - h:1:1\n", "tab");
        refused("alpha:\n  ? listen\n  :\t127.0.0.1:22121\n  servers:\n    - h:1:1\n", "tab");
        refused("alpha:\n  listen: 127.0.0.1:22121\n  redis: true\n  redis_auth: a\n  \tb\n  servers:\n"
                + "    - h:1:1\n", "tab");
    }

    @Test
    void tabsWhereLibyamlSkipsThem() {
        assertEquals(22121, accepted("alpha:\n  listen:\t127.0.0.1:22121\n  servers:\n    - h:1:1\n")
                .pools().get(0).listen().port());
        accepted("alpha:\n  listen: \"127.0.0.1:22121\"\t# c\n  servers:\n    - 'h:1:1'\t\n");
        accepted("alpha:\n  \"listen\"\t: 127.0.0.1:22121\n  servers:\n    - h:1:1\n");
        accepted("alpha:\t# c\n  listen: 127.0.0.1:22121\n  servers:\t\n    - h:1:1\n");
        ConfPool p = accepted("alpha:\n  listen: 127.0.0.1:22121\n  redis: true\n  redis_auth: a\n   \tb\n"
                + "  servers:\n    - h:1:1\n").pools().get(0);
        assertEquals("a b", p.redisAuth(), "a tab right of the plain scalar's indentation folds as a blank");
        accepted("alpha:\n  listen: |-\t# header comment after a tab\n    127.0.0.1:22121\n  servers:\n"
                + "    - h:1:1\n");
        accepted("alpha:\n  listen: |-#comment with no blank\n    127.0.0.1:22121\n  servers:\n    - h:1:1\n");
    }

    @Test
    void libyamlEscapes() {
        ConfPool p = accepted("alpha:\n  listen: 127.0.0.1:22121\n  redis: true\n  redis_auth: \"a\\/b\\\tc\"\n"
                + "  hash_tag: \"\\/\\/\"\n  servers:\n    - h:1:1\n").pools().get(0);
        assertEquals("a/b\tc", p.redisAuth());
        assertEquals("//", p.hashTag());
        refused("alpha:\n  listen: 127.0.0.1:22121\n  redis: true\n  redis_auth: \"\\ud800\"\n  servers:\n"
                + "    - h:1:1\n", "Unicode character escape");
        refused("alpha:\n  listen: 127.0.0.1:22121\n  redis: true\n  redis_auth: \"\\U00110000\"\n  servers:\n"
                + "    - h:1:1\n", "escape");
    }

    @Test
    void byteOrderMarks() {
        accepted("\uFEFF" + GOOD);
        accepted(GOOD + "\uFEFF# a comment after a second BOM\n");
        // the skipped BOM takes a column, so beta lands at column 1: no longer a pool
        refused(GOOD + "\uFEFFbeta:\n" + BODY.replace("22121", "22122"), "y.yml");
    }

    @Test
    void complexKeysAndLineBreaks() {
        accepted("? alpha\n:\n  ? listen\n  : 127.0.0.1:22121\n  servers:\n    - h:1:1\n");
        accepted(GOOD.replace("\n", "\r\n"));
        accepted(GOOD.replace("\n", "\r"));
    }

    @Test
    void nulBytesEndNutcrackersCopies() {
        // nutcracker copies scalars with strndup: what follows a NUL is lost
        refused("alpha:\n  listen: \"127.0.0.1\\0x:22121\"\n  servers:\n    - h:1:1\n", "hostname:port");
        accepted("alpha:\n  listen: 127.0.0.1:22121\n  hash_tag: \"\\0\\0\"\n  servers:\n    - h:1:1\n");
    }
}
