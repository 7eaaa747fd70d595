package org.twemproxy4j.hashkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden vectors for the twelve hash functions, recorded from twemproxy's own hashkit C code (the
 * hashkit/*.c files of twitter/twemproxy compiled with gcc on x86-64, where {@code char} is signed).
 *
 * <p>Keys are written as specs: {@code s:TEXT} (ASCII text), {@code x:HEX} (raw bytes), or
 * {@code g:LEN:MUL:ADD} (LEN bytes, byte {@code i} = {@code (i*MUL + ADD) & 0xff}). The generated keys put
 * bytes {@code >= 0x80} at every tail position of every function (lengths 0..13, 23..25, 250, 1000).
 */
class HashTypeTest {
    /** Values in {@link HashType} declaration order (the C {@code HASH_CODEC} order). */
    private static final Object[][] GOLDEN = {
        row("s:", 0x00000000, 0xd98c1dd4, 0x00000000, 0x00000000, 0x00000000, 0x84222325, 0x84222325, 0x811c9dc5, 0x811c9dc5, 0x00000000, 0x00000000, 0xdeadbefc),
        row("s:a", 0xca2e9442, 0xb975c10c, 0x00007c87, 0x000068b7, 0xe8b7be43, 0x8601b7be, 0x8601ec8c, 0x050c5d7e, 0xe40c292c, 0x93642e87, 0x4b41757c, 0xe0a38690),
        row("x:00", 0x00000000, 0xad85b893, 0x00000000, 0x00005202, 0xd202ef8d, 0x8601b7df, 0x8601b7df, 0x050c5d1f, 0x050c5d1f, 0x00000000, 0xa46d9286, 0x8503b213),
        row("x:7f", 0xeaf3d5c4, 0xe6b6ac83, 0x00008f78, 0x000012b8, 0x12b88320, 0x8601b7a0, 0x860211ee, 0x050c5d60, 0xfa0c4bce, 0xdcad763f, 0xc218a6e8, 0xd48471be),
        row("x:80", 0xc31d4e27, 0x7edd398d, 0x00009188, 0x00003fba, 0x3fba6cad, 0x79fe485f, 0x79fdec5f, 0xfaf3a29f, 0x04f3b29f, 0xd6f4cb32, 0x90556245, 0xb16fde48),
        row("x:ff", 0xae65a494, 0xd44f5900, 0x00001ef0, 0x00007f00, 0xff000000, 0x79fe4820, 0x79fe466e, 0xfaf3a2e0, 0xf9f3a14e, 0x02a6dba8, 0xdb530a9c, 0xe1964da8),
        row("s:apple", 0x88f08ef3, 0xbe70381f, 0xda525bb4, 0x0000292e, 0xa92ed050, 0x1c347217, 0x58befdbf, 0x04010657, 0x10bc2abf, 0xdeda533e, 0xf6e68f62, 0x55f9f550),
        row("x:c3a9", 0x019148ae, 0x97cddd66, 0x00e967c4, 0x00000e04, 0x0e048d3e, 0xb4eb783d, 0xb4cc3001, 0x16769ffd, 0x3cfa68c1, 0xbeea177b, 0x7ddc1147, 0x37ac74de),
        row("x:ffff", 0xe9c2d586, 0x280d2aab, 0x001e1d0f, 0x00007fff, 0xffff0000, 0xb4eb719f, 0xb4ee5163, 0x1276995f, 0x367910a3, 0x03beb609, 0xde0bcf8b, 0x59526a84),
        row("x:ffffff", 0x0207a625, 0xe7d49785, 0x1e1dd26c, 0x00007fff, 0xffffff00, 0x93edeed2, 0x8f0bb314, 0x904c8f72, 0x9b6acdd4, 0x8a98f6ae, 0x8148ae87, 0x27234079),
        row("x:ffffffff", 0xf7c21986, 0x41004fa5, 0x1dd299cf, 0x00007fff, 0xffffffff, 0xa2b33129, 0xef1eb351, 0x657a2f89, 0x81ddf9b1, 0x26e2dcb2, 0x05d7228b, 0x428adf39),
        row("x:ffffffffff", 0xe9aac2b7, 0xa30ef250, 0xd299c360, 0x000052fd, 0xd2fd1072, 0x89837754, 0xaed54baa, 0xb7a72b54, 0xdd8fecca, 0xe9ffd14d, 0x2ea16106, 0x2d39a7b7),
        row("x:808080", 0xad4735c8, 0xe6d85b2a, 0x918ab14a, 0x0000484f, 0xc84fd9f9, 0x94a33b37, 0x8a4ead37, 0xceab5037, 0x10f5c137, 0xdfc74db1, 0x934ab2d5, 0x2ec700d9),
        row("x:7f807f", 0x619ad75d, 0xcc97f8f2, 0x8f8960d9, 0x00005bd5, 0x5bd50299, 0x94a7245f, 0x90f2292f, 0xcead8e9f, 0x7c7dfeef, 0x65acf16e, 0xa1002790, 0x975829ba),
        row("s:key0", 0x74614706, 0xf202f421, 0xeb70b3c4, 0x00005b5b, 0x5b5b54c6, 0xca70ddf6, 0x5cbda5d4, 0x84153696, 0x364a68d4, 0x521ed747, 0xaacd1714, 0xbff65787),
        row("s:key1", 0xbef4dc2c, 0x94d6adc2, 0xeb70a3e5, 0x00002c5c, 0x2c5c6450, 0xca70ddf7, 0x5cbda787, 0x84153697, 0x374a6a67, 0x796f3b10, 0x3e978ab6, 0xd312a707),
        row("s:key10", 0x55117cb0, 0x18d527f1, 0x70a356da, 0x00001f9c, 0x9f9cd2b1, 0xfdc92a85, 0x9643fbf5, 0x8464ef85, 0x612566f5, 0x7fdc3f21, 0x0ab38ac5, 0xfd393225),
        row("s:server1-8", 0x344c9d3d, 0xe5b33370, 0x443ccf84, 0x00002cc5, 0xacc59743, 0x67b7046e, 0x174ee78c, 0x181f492e, 0xfff0d02c, 0xc5c60778, 0x26ffd48f, 0xa59e2dab),
        row("s:hello world", 0x3e4a5a57, 0xbb3bb65e, 0xf2063be4, 0x00000d4a, 0x0d4a1185, 0xb1910e6f, 0x023cd2e7, 0x548da96f, 0xd58b3fa7, 0x4f799873, 0x5e19153b, 0x153343fb),
        row("s:{user1000}.following", 0x601d07b4, 0x73813d21, 0xb3926fba, 0x0000760c, 0x760c43ef, 0xb60ca1a8, 0x31c09a76, 0xf8a53b08, 0x25e77276, 0x01de784b, 0xa6e2c735, 0xa8ff9d55),
        row("s:foo:bar:baz", 0x7358e4e9, 0x09a4f25b, 0x047d73e7, 0x000020bd, 0x20bd4479, 0x435ef423, 0xfa2713e7, 0x578d7e03, 0xe08b1ac7, 0x70b9f58a, 0xac67de49, 0xe2d820d8),
        row("x:610062", 0x5b21e716, 0x600f3570, 0x7c38e0bf, 0x000015e8, 0x15e87871, 0x6bafe70c, 0x042666b2, 0x659c64cc, 0x10f3abd2, 0x2cf9fbca, 0xff35e903, 0xc5da18dd),
        row("g:2:1:97", 0x45e61e58, 0x43f47e18, 0x007c74ff, 0x00001e83, 0x9e83486d, 0xb4eb37b8, 0xb545986a, 0x70772d38, 0x4d2505ca, 0x5b8c0ec3, 0xe3b54dfb, 0xc1b5695b),
        row("g:3:1:97", 0xed131f5b, 0x98500190, 0x7c749dd6, 0x00003524, 0x352441c2, 0x6bafadcb, 0x0541574b, 0x439c2f4b, 0x1a47e90b, 0xe5186b3a, 0x7b0cc428, 0x8f415600),
        row("g:4:1:97", 0xcd8b6206, 0x4c71fce2, 0x749da836, 0x00006d82, 0xed82cd11, 0xfb844f95, 0xee0724dd, 0xb9de7375, 0xce3479bd, 0x3ab452d8, 0xef6a86af, 0xd512151a),
        row("g:5:1:97", 0xb98559fc, 0xd9b456ab, 0x9da83ee1, 0x00000587, 0x8587d865, 0x61d33a4a, 0x762364a8, 0x0e2fc14a, 0x749bcf08, 0x84786722, 0x9a263eda, 0x5cff335b),
        row("g:6:1:97", 0x0161526f, 0x17500be8, 0xa83e3afd, 0x00004b8e, 0x4b8e39ef, 0x39ec0bd8, 0xbe244a0a, 0x9f2d4718, 0xff478a2a, 0xbe7c6fe4, 0xe0badc96, 0x0b4ac2de),
        row("g:7:1:97", 0x4ac70178, 0x0f6cc67a, 0x3e3a7658, 0x0000312a, 0x312a6aa6, 0x6c18206f, 0x17aa7737, 0xac46eaaf, 0x2a9eb737, 0x3dad41af, 0xeba746f2, 0x76510984),
        row("g:8:1:97", 0x44d2d3e1, 0x8140dce8, 0x3a76abff, 0x00002eef, 0xaeef2a50, 0xacff1cf5, 0x36a8d66d, 0xe2a37115, 0x76daaa8d, 0xff7cfe86, 0xfe5df9c7, 0xe05fa40b),
        row("g:9:1:97", 0xc8b4ca7d, 0x1f9ba98a, 0x76ab060e, 0x00000da9, 0x8da988af, 0xf57e3426, 0xe0e3a8cc, 0xdc4b0466, 0xfe3b04ec, 0xa73e3541, 0xca0b70c9, 0x61357752),
        row("g:10:1:97", 0x7031289d, 0x695725a9, 0xab06a32a, 0x00003981, 0x3981703a, 0x25729cf8, 0x22d79212, 0x3017ecf8, 0xbce81ef2, 0x2d7c0783, 0x0f2714d8, 0x11c468d9),
        row("g:11:1:97", 0x37a218ba, 0xccccb992, 0x06a37244, 0x00004e57, 0xce570f9f, 0xa1c0b903, 0x344de39b, 0xadaa0a03, 0xfa682adb, 0x67993530, 0xba078b5c, 0x17c0a5ff),
        row("g:12:1:97", 0x605b0340, 0x06d6c99f, 0xa372b7ff, 0x00007678, 0xf6781b24, 0xda7a6075, 0xe05a5cb5, 0x65adc2d5, 0xe8fb3e15, 0x5f624189, 0xb805134a, 0xfb8b49e3),
        row("g:13:1:97", 0x6d99f6dc, 0xd1bdae22, 0x72b79537, 0x00005df4, 0xddf46ea2, 0x3df1e6a2, 0x398bc308, 0xe589b522, 0x3b8356e8, 0x70ce5414, 0x2987d8bb, 0xb621e85f),
        row("g:24:1:97", 0x5cee2b38, 0xcf840e0c, 0x2c431938, 0x00002183, 0x21836df4, 0x26323415, 0x610faddd, 0x9dff4435, 0x374069fd, 0x9c31d61c, 0x28118552, 0x0b7c2bd6),
        row("g:25:1:97", 0x60120ab5, 0x314078f1, 0x431954a6, 0x0000412a, 0x412a937d, 0xe74e7fd6, 0xeda40dac, 0xedd85f16, 0x7e661acc, 0x30e0b519, 0xe41582e0, 0x547a928b),
        row("g:1:37:200", 0x9c4b006f, 0x5da8e399, 0x00005844, 0x000047bd, 0x47bda50f, 0x79fe4817, 0x79fe66b7, 0xfaf3a2d7, 0xccf35a77, 0xe3867d80, 0xe09a0e2b, 0x69fc5e83),
        row("g:2:37:200", 0xff413ec2, 0x356d599d, 0x0058b37e, 0x00001c41, 0x9c41d17c, 0xb4eb80f8, 0xb4b793ee, 0x1b76a798, 0xf6e8b16e, 0xf3feba15, 0x6123af5a, 0xf935eb16),
        row("g:3:37:200", 0x6af5a5e9, 0x2665aaa1, 0x58b3dbcb, 0x00007894, 0x7894e203, 0x6c2c257a, 0x13f07534, 0xd3c9d45a, 0x2c4f6634, 0x1c9ab18c, 0xc4718e6e, 0x1a3e10a4),
        row("g:4:37:200", 0x6e5358aa, 0xb335d59b, 0xb3dbf7a2, 0x000073ce, 0xf3ce8fda, 0xcf03ae79, 0xe196d419, 0xc0b94999, 0xc3fd96b9, 0xd25f8224, 0x9053a0d3, 0xa39abc1f),
        row("g:5:37:200", 0xa72f33f4, 0xfe1c9042, 0xdbf7a681, 0x0000562a, 0xd62a0717, 0xc34177c7, 0x534ab13f, 0xfcaedb87, 0x6d348a7f, 0x8efa5c4d, 0x687f25fe, 0x54ae3ce2),
        row("g:6:37:200", 0x426b8c72, 0x8ae73460, 0xf7a6d585, 0x00004bb8, 0xcbb8f3fb, 0x37c178a4, 0x7814ccda, 0xb1bc6a04, 0x144abeda, 0x6f259771, 0xaf6c9da2, 0xb8798cc9),
        row("g:7:37:200", 0x9b524769, 0x356bcc3e, 0xa6d5cbf4, 0x00004713, 0xc7137a37, 0x4240010a, 0xf4a87bb4, 0x30651bea, 0x8a561634, 0x807e72e0, 0x3c736b50, 0x9fe85dfe),
        row("g:8:37:200", 0x945759e8, 0xc9670e22, 0xd5cbf400, 0x000066ce, 0x66ce42c0, 0x6d3e3c35, 0x45b623cd, 0xe6d50e95, 0x397b5c6d, 0xcc27a367, 0x42718316, 0xefb1bc95),
        row("g:9:37:200", 0x32d445fb, 0xd7b01836, 0xcbf44084, 0x000074bd, 0xf4bd1163, 0x5f3fb1ff, 0x8b813ba7, 0x099a0b7f, 0x1fcd9027, 0x5eb0d245, 0x96ab4074, 0xdcbab047),
        row("g:10:37:200", 0xdfcb7a0c, 0xd7492539, 0xf4408e50, 0x00006b90, 0x6b908695, 0xd93b7458, 0x0c986f76, 0x9c8018f8, 0x4299feb6, 0xf0675374, 0x70962db5, 0x79fd8866),
        row("g:11:37:200", 0xd47e796e, 0xb9403214, 0x408eb75f, 0x00001400, 0x9400c172, 0x2006b1b2, 0x67051e24, 0x55a74e52, 0x646bb664, 0x00de35c3, 0x399caebe, 0x1d53dd53),
        row("g:12:37:200", 0xa397ec5e, 0xa2c1e800, 0x8eb72326, 0x00001749, 0x9749b339, 0x6b5ff129, 0x0db2cb01, 0x28604b49, 0x508fdee1, 0xa8420635, 0x2968b98e, 0x20a61420),
        row("g:13:37:200", 0x8c18d88b, 0x91f1fd97, 0xb723e30d, 0x00006745, 0x6745690f, 0x8bf9372f, 0xb9303dff, 0x27697c6f, 0x928491ff, 0xb6d70091, 0xe6309f90, 0xa923d782),
        row("g:23:37:200", 0x3d5d6909, 0x2c565e8d, 0x8637db6d, 0x00007ab7, 0xfab73b88, 0x0d479e7a, 0xc7af90f4, 0xd5d5d45a, 0x489ec374, 0xce61f697, 0xd3b8d839, 0xc2627e2d),
        row("g:24:37:200", 0x14070c39, 0x0000e461, 0x37dbb44c, 0x00003bfe, 0xbbfe9a48, 0x90b24955, 0x4f53461d, 0xf99d49b5, 0xc0eda7bd, 0xbc76b17d, 0x0f9d2838, 0x76066457),
        row("g:25:37:200", 0xc06aefad, 0x8412c666, 0xdbb4e39b, 0x00005c62, 0xdc629925, 0xdef29b2f, 0xca809007, 0xa79b07af, 0xb31f7347, 0x66622bc3, 0x96eee6af, 0xf22925b0),
        row("g:10:13:65", 0xfad58894, 0x546b80cf, 0x144f0836, 0x0000388a, 0xb88ab80f, 0xd1f6dcd4, 0xd3e76c1e, 0x46119b14, 0x73f5cdbe, 0x8e86d536, 0x59daba46, 0xa762a2e9),
        row("g:40:29:33", 0x7d2b096f, 0x2d2894e4, 0x7d3ef499, 0x00006544, 0xe544f20e, 0x2f8f5985, 0x42916abd, 0x87581ea5, 0x98df435d, 0xdccf77e1, 0x46d981e5, 0x226c0910),
        row("g:250:31:7", 0xd7513125, 0x58b807d5, 0xcdb06c77, 0x0000056d, 0x856da7ff, 0xe9267796, 0x36f4bbe0, 0x804c1bd6, 0x6b8eda00, 0x0e664f98, 0x3f399e9c, 0x6f3cf2d8),
        row("g:250:1:0", 0x9b05a0b3, 0xd02041d0, 0xa590a58f, 0x0000387b, 0xb87b99ac, 0xef08e18c, 0x935674e2, 0xa32b64ac, 0x14998622, 0xa058b0f8, 0x053236c0, 0x883ff30a),
        row("g:250:0:255", 0x16e069a6, 0x5a5bcb10, 0x10629314, 0x00007e3e, 0xfe3e4962, 0x97f2d217, 0xe1864a8b, 0xd1c7ee57, 0x5e4a964b, 0x0b1c0715, 0x8f327361, 0x11c387ea),
        row("g:1000:7:128", 0x8708d069, 0x054a652c, 0x75edc3df, 0x000009cb, 0x89cb0975, 0xdf9caabd, 0xbf93e435, 0xaf56161d, 0x585aab95, 0x9078c20c, 0xa10b8c9d, 0xa30bcd0d),
    };

    private static Object[] row(String spec, int... values) {
        return new Object[] {spec, values};
    }

    /** Decodes a key spec (see the class comment). */
    static byte[] key(String spec) {
        String body = spec.substring(2);
        switch (spec.charAt(0)) {
            case 's':
                return body.getBytes(StandardCharsets.US_ASCII);
            case 'x': {
                byte[] b = new byte[body.length() / 2];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) Integer.parseInt(body.substring(2 * i, 2 * i + 2), 16);
                }
                return b;
            }
            case 'g': {
                String[] p = body.split(":");
                int len = Integer.parseInt(p[0]);
                int mul = Integer.parseInt(p[1]);
                int add = Integer.parseInt(p[2]);
                byte[] b = new byte[len];
                for (int i = 0; i < len; i++) {
                    b[i] = (byte) (i * mul + add);
                }
                return b;
            }
            default:
                throw new IllegalArgumentException(spec);
        }
    }

    static Stream<Arguments> vectors() {
        List<Arguments> out = new ArrayList<>();
        for (Object[] r : GOLDEN) {
            int[] values = (int[]) r[1];
            for (HashType h : HashType.values()) {
                out.add(Arguments.of(h, r[0], values[h.ordinal()]));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}({1})")
    @MethodSource("vectors")
    void matchesTwemproxy(HashType h, String spec, int expected) {
        byte[] k = key(spec);
        assertEquals(Integer.toUnsignedString(expected), Integer.toUnsignedString(h.hash(k, 0, k.length)));
    }

    /** The same vectors with the key in the middle of a larger array, surrounded by bytes that must not count. */
    @ParameterizedTest(name = "{0}({1}) at an offset")
    @MethodSource("vectors")
    void hashesOnlyTheRange(HashType h, String spec, int expected) {
        byte[] k = key(spec);
        for (int pad = 1; pad <= 3; pad++) {
            byte[] big = new byte[k.length + 2 * pad + 5];
            java.util.Arrays.fill(big, (byte) (0xa5 + pad));
            System.arraycopy(k, 0, big, pad, k.length);
            assertEquals(Integer.toUnsignedString(expected), Integer.toUnsignedString(h.hash(big, pad, k.length)));
        }
    }

    /** twemproxy's test_all.c and libmemcached's hash_results.h, key "apple" (NUTCRACKER.md §2.1). */
    @Test
    void knownAppleVectors() {
        byte[] apple = "apple".getBytes(StandardCharsets.US_ASCII);
        long[] expected = {2297466611L, 3195025439L, 3662830516L, 10542L, 2838417488L, 473199127L, 1488911807L,
            67176023L, 280767167L, 3738850110L, 4142305122L, 1442444624L};
        for (HashType h : HashType.values()) {
            assertEquals(expected[h.ordinal()], Integer.toUnsignedLong(h.hash(apple, 0, apple.length)), h.confName());
        }
    }

    /** The MD5 words ketama uses: test_all.c's ketama_hash("server1-8", 0) and ("server1-8", 3). */
    @Test
    void ketamaHashWords() {
        byte[] s = "server1-8".getBytes(StandardCharsets.US_ASCII);
        int[] words = new int[4];
        Md5.digestWords(s, 0, s.length, words);
        assertEquals(3853726576L, Integer.toUnsignedLong(words[0]));
        assertEquals(2667054752L, Integer.toUnsignedLong(words[3]));
    }

    /** Md5 is a complete MD5: every length 0..300 (all padding cases) against the JDK's digest. */
    @Test
    void md5MatchesTheJdkForEveryPaddingCase() throws Exception {
        Random r = new Random(42);
        int[] words = new int[4];
        for (int len = 0; len <= 300; len++) {
            byte[] k = new byte[len + 3];
            r.nextBytes(k);
            byte[] d = MessageDigest.getInstance("MD5").digest(java.util.Arrays.copyOfRange(k, 3, 3 + len));
            Md5.digestWords(k, 3, len, words);
            for (int x = 0; x < 4; x++) {
                int w = (d[4 * x] & 0xff) | (d[4 * x + 1] & 0xff) << 8 | (d[4 * x + 2] & 0xff) << 16
                        | (d[4 * x + 3] & 0xff) << 24;
                assertEquals(w, words[x], "len " + len + " word " + x);
            }
            assertEquals(words[0], HashType.MD5.hash(k, 3, len));
        }
    }

    @Test
    void confNames() {
        String[] names = {"one_at_a_time", "md5", "crc16", "crc32", "crc32a", "fnv1_64", "fnv1a_64", "fnv1_32",
            "fnv1a_32", "hsieh", "murmur", "jenkins"};
        assertEquals(names.length, HashType.values().length);
        for (int i = 0; i < names.length; i++) {
            assertSame(HashType.values()[i], HashType.fromConfName(names[i]));
            assertEquals(names[i], HashType.values()[i].confName());
        }
        assertNull(HashType.fromConfName("FNV1A_64"));
        assertNull(HashType.fromConfName("fnv1a"));
        assertSame(DistType.KETAMA, DistType.fromConfName("ketama"));
        assertSame(DistType.MODULA, DistType.fromConfName("modula"));
        assertSame(DistType.RANDOM, DistType.fromConfName("random"));
        assertNull(DistType.fromConfName("Ketama"));
    }
}
