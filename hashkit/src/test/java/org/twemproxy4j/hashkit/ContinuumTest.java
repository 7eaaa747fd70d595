package org.twemproxy4j.hashkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden ketama and modula continua, recorded from twemproxy's {@code ketama_update}/{@code modula_update}
 * and their dispatch functions (the C hashkit, glibc 2.36 qsort) for the server lists in {@link #SERVERS}.
 *
 * <p>Each case records: live servers, number of points, a digest of the whole sorted continuum
 * ({@code d = d*31 + value; d = d*31 + index} over every point, in uint64), the first 8 points, the server
 * chosen for the 256 hashes {@code i * 2654435761} (uint32), and for every 7th point (up to 400) the server
 * chosen for {@code value-1, value, value+1, 0xffffffff-i}. Server indexes are written as one digit
 * (0-9, then a-j).
 */
class ContinuumTest {
    /** A server list: names (in the order the C code got them), weights, dead flags. */
    private record Servers(DistType dist, String[] names, int[] weights, boolean[] dead) {
    }

    private static final Map<String, Servers> SERVERS = new HashMap<>();

    private static String repeat(char c, int n, String tail) {
        return String.valueOf(c).repeat(n) + tail;
    }

    private static void servers(String label, DistType dist, String[] names, int[] weights, int... deadIdx) {
        boolean[] dead = new boolean[names.length];
        for (int i : deadIdx) {
            dead[i] = true;
        }
        SERVERS.put(label, new Servers(dist, names, weights, dead));
    }

    static {
        String[] local3 = {"127.0.0.1:7250", "127.0.0.1:7251", "127.0.0.1:7253"};
        String[] local4 = {"127.0.0.1:6379", "127.0.0.1:6380", "127.0.0.1:6381", "127.0.0.1:6382"};
        String[] n20 = new String[20];
        int[] w20 = new int[20];
        for (int i = 0; i < 20; i++) {
            n20[i] = String.format("n%02d", i);
            w20[i] = i + 1;
        }
        servers("ka", DistType.KETAMA, local3, new int[] {1, 1, 1});
        servers("kb", DistType.KETAMA, new String[] {"alpha", "beta", "gamma"}, new int[] {1, 2, 3});
        servers("k4", DistType.KETAMA, local4, new int[] {1, 2, 3, 5});
        servers("k4dead1", DistType.KETAMA, local4, new int[] {1, 2, 3, 5}, 1);
        servers("k4dead03", DistType.KETAMA, local4, new int[] {1, 2, 3, 5}, 0, 3);
        servers("k1", DistType.KETAMA, new String[] {"10.0.0.1"}, new int[] {1});
        servers("k5odd", DistType.KETAMA, new String[] {"a", "bb", "ccc", "dddd", "eeeee"}, new int[] {10, 3, 7, 100, 1});
        servers("k7", DistType.KETAMA, new String[] {"s1", "s2", "s3", "s4", "s5", "s6", "s7"},
                new int[] {1, 1, 1, 1, 1, 1, 3});
        // weight 1 of 1002 gets 0 points: those servers never receive a key
        servers("k3w", DistType.KETAMA, new String[] {"x", "y", "z"}, new int[] {1, 1, 1000});
        // UTF-8 names are hashed as their bytes
        servers("kutf8", DistType.KETAMA, new String[] {"s\u00e9rv\u00e9r", "\u670d\u52a1", "plain"}, new int[] {2, 1, 1});
        // names longer than 272 bytes are cut at 272 by snprintf: the two first servers share every point,
        // and each tie goes to the lower index (stable sort)
        servers("ktie", DistType.KETAMA, new String[] {repeat('h', 300, "A"), repeat('h', 300, "B"), "short"},
                new int[] {1, 1, 1});
        // "-0".."-9" fit in 272 bytes, "-10" and up are cut to "-1": duplicate points of one server
        servers("ktrunc", DistType.KETAMA, new String[] {repeat('n', 266, ""), "other"}, new int[] {1, 1});
        servers("k20", DistType.KETAMA, n20, w20);
        servers("mo", DistType.MODULA, local3, new int[] {1, 2, 1});
        servers("m4", DistType.MODULA, local4, new int[] {1, 2, 3, 5});
        servers("m4dead1", DistType.MODULA, local4, new int[] {1, 2, 3, 5}, 1);
        servers("m20", DistType.MODULA, n20, w20);
    }

    private record Golden(String label, int nlive, int ncontinuum, long digest, long[] firstValues,
                          int[] firstIndexes, String spread, String around) {
    }

    private static Golden golden(String label, int nlive, int ncontinuum, long digest, long[] firstValues,
                                 int[] firstIndexes, String spread, String around) {
        return new Golden(label, nlive, ncontinuum, digest, firstValues, firstIndexes, spread, around);
    }

    private static final Golden[] GOLDEN = {
    // ka
    golden("ka", 3, 480, 0xc4073930b0e42a81L,
  new long[] {0x00e6616eL, 0x0153838aL, 0x0192eef8L, 0x03451bb0L, 0x05972e9eL, 0x05c5f335L, 0x0635f487L, 0x06c31878L},
  new int[] {0, 2, 1, 1, 0, 2, 2, 0},
  "0122020110101011110201112221102211002212020220201021211021100121111002110221102211222010020201201101101101200211210001020020200210100221012000102122002012011012210221022012000201102012010001200110212111202011100221110101122212102220102222001121110101102102",
  "0020000022000000002011100000111022202220222022200000220000101110221011200020000022201100112011202200111000100020001011000000222022101110001022102200111011002220111000101110001011202200001000102220110000202200110011000010111011101100"),
    // kb
    golden("kb", 3, 480, 0xaabdb9b1fd4af1b1L,
  new long[] {0x022ebb07L, 0x0243b8a9L, 0x02d0f05fL, 0x047a04e5L, 0x04acbd07L, 0x04db152bL, 0x055d3ca2L, 0x057417e7L},
  new int[] {1, 2, 1, 1, 2, 1, 1, 2},
  "1201222222111101020222112222021211121122110220222212020111122212222201121122222012101210012202122011201021112112211222220212222020222222022021202211222121012212210212211221221122111121122121022222210212122210222112222111222222021222012022122221101010202221",
  "1121221111011101111122212211222111012221221122012211222122011121221100012201112111212221221111211121112100212201221122212221112111212201222122112211112111210021221111012211221100012211111111110021222100211121221122211121222111212211"),
    // k4
    golden("k4", 4, 632, 0x8d57989700167f55L,
  new long[] {0x016533c4L, 0x01bfc610L, 0x0265af00L, 0x0297023bL, 0x02b2baa5L, 0x03a047e3L, 0x051c0189L, 0x0554ecdcL},
  new int[] {1, 1, 3, 2, 3, 3, 0, 3},
  "1333232331212322223333222031211023333213210113321233232133330131303132322202333333232031211323313133012223132231332312233310333011211113332322323232302331212030133233333233333333231320333232223030311331333333333103103133130101132322311323213302213021333302",
  "1111333100312221113133213321332100213331333122313301333100312231111133313311331133313321222133313331223122313331113133213321331122213331333133211131112122210031333133313301222122312221333111111131111122213321222111111111222133312221"),
    // k4dead1
    golden("k4dead1", 3, 476, 0x578ef3b7d05234f7L,
  new long[] {0x0265af00L, 0x0297023bL, 0x02b2baa5L, 0x03a047e3L, 0x051c0189L, 0x0554ecdcL, 0x05629306L, 0x057c6f96L},
  new int[] {3, 2, 3, 3, 0, 3, 3, 3},
  "3333232330222322223333222030222023333233230223322233232333330233303332302202333333232033233323333333002223032232332302233330333033232233332322322232302333222030033233333233333333233330333232222030323333333333333303303333330203232322332323233302203022333202",
  "3323330333330003332333232233332322333323330333032233222333232233333333232223332333232223333333332223333300233333223333233333003333333333330333332223333333332223002333333333333322233323222300030023333322230023333322333333332333333333"),
    // k4dead03
    golden("k4dead03", 2, 320, 0x0ccfb209685e65afL,
  new long[] {0x016533c4L, 0x01bfc610L, 0x0297023bL, 0x068be984L, 0x09ae9f28L, 0x0b8def74L, 0x0cb65b17L, 0x0cb6675dL},
  new int[] {1, 1, 2, 2, 1, 2, 2, 2},
  "1212212211212122221122222221211221222212212111121212222122122121221112222212122212222121211122211121112222112221112212222212222111211112112122222212212211212122121222222222222221221222212212221222211221122122121122122112122111122122211122111122211121111222",
  "1111221111212211221122212211221111212221222122112211222122211121111111212221222111212211221111112211222111112221221111211121222111112211111122212221112122212221112111112211111111111121"),
    // k1
    golden("k1", 1, 160, 0x6a887f5de9db5487L,
  new long[] {0x049295e4L, 0x05c54922L, 0x0662fd64L, 0x0705e994L, 0x08a58aa6L, 0x0ebdcd2dL, 0x11a4951fL, 0x121d1441L},
  new int[] {0, 0, 0, 0, 0, 0, 0, 0},
  "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
  "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"),
    // k5odd
    golden("k5odd", 5, 788, 0x56c03dd35d2935f7L,
  new long[] {0x00392f41L, 0x0072004cL, 0x008cb4a1L, 0x00bca24cL, 0x00e33b31L, 0x01b206dcL, 0x01f90bceL, 0x02113991L},
  new int[] {0, 3, 3, 3, 3, 2, 3, 3},
  "0330333330302333333333330323333333333333332333333333330333343333333333333333333303333333323332233331333333333033333333333333333333333333330332332333433013333333230133333333333333333333323333013332303333233333033303333333330303330333333333233333333333333333",
  "0030333033303330333033303300333033303330332033300030333000301100332033303330333033303330333033303300333033300030333033303330333033300030330033003330003033003330333033303330333033303330333033303330333033304400223033203330333033303330"),
    // k7
    golden("k7", 7, 1116, 0x665ab931212bfa1bL,
  new long[] {0x005b81afL, 0x005c5beaL, 0x005ff4ebL, 0x00a55cf0L, 0x01128962L, 0x012bb60dL, 0x017e47dbL, 0x018a0a6aL},
  new int[] {3, 6, 3, 3, 2, 4, 0, 4},
  "3340566146061544656220516155666602442651152664632066366466460064226216660316666356513416002655201201210616066066616335660546165634264066312023646556660206410404651156066160416522066016546342614136666462663066244666465451325335664656632561626460631462614245",
  "3363446355532233111311636663000333133343006355634463224322336643666333430033223300633363446344135563553355334463220366636643445333636633116344636613003344031163662366536643006344031133662311636633114366633363006366636643442366133353"),
    // k3w
    golden("k3w", 3, 476, 0x8e8ed37a633f6e94L,
  new long[] {0x0064c57cL, 0x007c5484L, 0x007d9536L, 0x00864bd9L, 0x00f79c91L, 0x015ebb81L, 0x01964399L, 0x01d90141L},
  new int[] {2, 2, 2, 2, 2, 2, 2, 2},
  "2222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222",
  "2222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222"),
    // kutf8
    golden("kutf8", 3, 480, 0x73be83e1d5143ca2L,
  new long[] {0x001e5240L, 0x0098da06L, 0x00c12fd8L, 0x00c94c7eL, 0x011bd051L, 0x02d92ee0L, 0x03cd3b2bL, 0x0569605dL},
  new int[] {2, 1, 0, 0, 0, 2, 0, 0},
  "2201020001010011001002101220100020012020100020200010001111100200000200000012002220021002122001022001012020220112020021001210000111211120201001000201022022202011011000002200000010220001100000200000201110101100020020002020000001120000112020020010010210010002",
  "2212002222022212002200020002001200120002000200021102110211021102110222020002000222022202112211022202222200121112111200222202112200020002221222021102110222022222000200021122222211122202000211220012001200020002221211122202222211120002"),
    // ktie
    golden("ktie", 3, 480, 0x67670b9ba791aaadL,
  new long[] {0x00e8b9ceL, 0x043e1c4bL, 0x0584b986L, 0x0810bf85L, 0x092edb99L, 0x09b8a2b1L, 0x0a5ecf70L, 0x0a8a6468L},
  new int[] {2, 2, 2, 2, 2, 2, 2, 2},
  "2222220220222222222222222222222222222222202222222222222222222022222222222222222222222202222222222222222222222222222222222222222222022222222220222222220222222222222222222222222222222222202222222222222222222222222222222222222222222202222222222202222222222222",
  "2222222222220022002200220022002200220022002200220022002200222222222222222222002200220022002200220022002200220022002200222222222222222222002200220022002200220022002200220022002200220022222222222222222200220022002200220022002200220022"),
    // ktrunc
    golden("ktrunc", 2, 320, 0x6ae980feb3484b96L,
  new long[] {0x002f8283L, 0x014e0734L, 0x073a338fL, 0x0791c0c5L, 0x0a810e5bL, 0x0ad8bac9L, 0x0c2a9b63L, 0x0c79d9fdL},
  new int[] {0, 1, 0, 1, 0, 0, 0, 0},
  "0111101110111011110111011011110010010010110100100011000011001000101000101101001001100010011000101100110011101100000011101000011010011000101011100100001110101001110011001001100000011011111001100111000011101000001000111000011001000101010001001101110011101010",
  "0010001011100010111011101110000000100010110011001100111011101110001011000000000000000010000011001100000011000000000011101100001000001100110011101110111011000010110000000000110011000010"),
    // k20
    golden("k20", 20, 3160, 0x1c97e55f20d836d8L,
  new long[] {0x0005efabL, 0x0014eedeL, 0x0029d678L, 0x006e9705L, 0x00c95358L, 0x00d28225L, 0x00f9aba0L, 0x00fa8a27L},
  new int[] {11, 17, 11, 12, 13, 7, 3, 8},
  "b588cdee96gef9gccehhg6j9g9abia97g9bidcdc8ege149gdg957c42h47jgf8d8ibe8a8ij8ece72i4igch7fj7fdfhi971ifhihhc9bfi96f8id9f7j8c8ijia97ehfghcg8bid98jchafe9jda9bf1ffg3aahgdfec6ji66j7d0f8eh99b9bajedigec99fecgj55ed67g8ijdeifghh19ef4gaja7fjd69dfdba557hed924gjh5ahajjfd",
  "bbhb88jbdddb55cb77eb55bbffgbddibjjibjjfbffibii5bggjb995bjj3bggib339bhh9b779bgg8b55cbccabjj8b558bddbbii8bggjbddebaahbggfbhh8baaib77cbddfbii5b997beeabcccbbbibaa6baadbiigbgggbii4bggib66jbbbab88hb77ebggjbggibjjdbaajbeeebaa9b77hb88jb889b"),
    // mo
    golden("mo", 3, 4, 0x00000000000e1b44L,
  new long[] {0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L},
  new int[] {0, 1, 1, 2},
  "0112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112011201120112",
  "2012"),
    // m4
    golden("m4", 4, 11, 0x83a92e493484d757L,
  new long[] {0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L},
  new int[] {0, 1, 1, 2, 2, 2, 3, 3},
  "0322322332332332232233233233213213213313311311311331331031031032032032032032232232233233233223223323323321321331331331131131133133103103103203203203203223223223323322322322332332332132133133133113113313313310310310320320320320322322322332332232232233233213",
  "20122013"),
    // m4dead1
    golden("m4dead1", 3, 9, 0x274ca8ba16309795L,
  new long[] {0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L},
  new int[] {0, 2, 2, 2, 3, 3, 3, 3},
  "0323232333232323332320233323202333232023333320233333202233332022333320223333302233333022333330223233302232333032323330323233303232323032323230323232303232323032323233323232333232323332320233323202333332023333320233333202233332022333320223333302233333022323",
  "20222023"),
    // m20
    golden("m20", 20, 210, 0x404ad7c556d4a5a4L,
  new long[] {0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L, 0x00000000L},
  new int[] {0, 1, 1, 2, 2, 2, 3, 3},
  "0abggh57defij2bcghi68defjj4bcghi78aefj05bdghi79afgj25cdhii89bfgj46cdeij8abfg057defij9acghh57defij9bcghi68defjjabcghi79efgj15cdhhi79efgj36cdhii8aefgj46cdhij9abgg157dehij9acgh368defijabcgh468defjjabcgh579efgj2acdhii89efgj3bcdhij8aefgj47cehij9afgh257deiij9bfg",
  "9019901890179016901590149012901j901j901j901i901i901i901h901h901g901g901g901f901f901e901e901d901d901c901c901b901b901a9019"),
    };

    static Stream<Golden> cases() {
        return Stream.of(GOLDEN);
    }

    private static Continuum build(Servers s) {
        boolean[] live = new boolean[s.names.length];
        for (int i = 0; i < live.length; i++) {
            live[i] = !s.dead[i];
        }
        return Continuum.build(s.dist, s.names, s.weights, live);
    }

    private static char digit(int idx) {
        return (char) (idx < 10 ? '0' + idx : 'a' + idx - 10);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTwemproxy(Golden g) {
        Servers s = SERVERS.get(g.label);
        Continuum c = build(s);
        assertEquals(s.dist, c.distType());
        assertEquals(g.nlive, c.nlive(), "nlive");
        assertEquals(g.ncontinuum, c.ncontinuum(), "ncontinuum");
        if (c instanceof Ketama k) {
            long d = 0;
            for (int i = 0; i < k.ncontinuum(); i++) {
                d = d * 31 + Integer.toUnsignedLong(k.pointValue(i));
                d = d * 31 + k.pointIndex(i);
            }
            assertEquals(Long.toHexString(g.digest), Long.toHexString(d), "continuum digest");
            for (int i = 0; i < g.firstValues.length; i++) {
                assertEquals(g.firstValues[i], Integer.toUnsignedLong(k.pointValue(i)), "point " + i);
                assertEquals(g.firstIndexes[i], k.pointIndex(i), "owner of point " + i);
            }
        }
        StringBuilder spread = new StringBuilder();
        for (int i = 0; i < 256; i++) {
            spread.append(digit(c.dispatch(i * (int) 2654435761L)));
        }
        assertEquals(g.spread, spread.toString(), "dispatch of i * 2654435761");
        if (c instanceof Ketama k) {
            StringBuilder around = new StringBuilder();
            for (int i = 0; i < k.ncontinuum() && i < 400; i += 7) {
                int v = k.pointValue(i);
                int[] hs = {v - 1, v, v + 1, 0xffffffff - i};
                for (int h : hs) {
                    around.append(digit(c.dispatch(h)));
                }
            }
            assertEquals(g.around, around.toString(), "dispatch around points");
        } else {
            // modula: the same C loop dispatched the values of its (zero) points; recompute from the slots
            StringBuilder around = new StringBuilder();
            for (int i = 0; i < c.ncontinuum() && i < 400; i += 7) {
                int[] hs = {-1, 0, 1, 0xffffffff - i};
                for (int h : hs) {
                    around.append(digit(c.dispatch(h)));
                }
            }
            assertEquals(g.around, around.toString(), "dispatch of -1, 0, 1, 0xffffffff-i");
        }
    }

    /** Every golden case refers to a server list (guards against a typo silently skipping a case). */
    @Test
    void everyServerListHasGoldenData() {
        assertEquals(SERVERS.size(), GOLDEN.length);
    }

    /** ketama's float32 point formula: 160 points each when weights are equal, fewer with rounding. */
    @Test
    void pointsPerServer() {
        assertEquals(160, Ketama.pointsPerServer(1, 3, 3));
        assertEquals(160, Ketama.pointsPerServer(7, 49, 7));
        assertEquals(80, Ketama.pointsPerServer(1, 6, 3));
        assertEquals(56, Ketama.pointsPerServer(1, 11, 4)); // 14.54 -> 14 hashes
        assertEquals(288, Ketama.pointsPerServer(5, 11, 4)); // 72.7 -> 72 hashes
        assertEquals(0, Ketama.pointsPerServer(1, 1002, 3));
    }

    @Test
    void noLiveServerDispatchesToMinusOne() {
        boolean[] none = {false, false};
        for (DistType d : DistType.values()) {
            Continuum c = Continuum.build(d, new String[] {"p", "q"}, new int[] {1, 1}, none);
            assertEquals(0, c.nlive());
            assertEquals(-1, c.dispatch(0));
            assertEquals(-1, c.dispatch(12345));
        }
    }

    @Test
    void randomPicksOnlyLiveServersAndIgnoresWeights() {
        Continuum c = Continuum.build(DistType.RANDOM, new String[] {"a", "b", "c", "d"}, new int[] {1, 100, 1, 1},
                new boolean[] {true, true, false, true});
        assertEquals(3, c.nlive());
        assertEquals(3, c.ncontinuum());
        int[] seen = new int[4];
        for (int i = 0; i < 30000; i++) {
            seen[c.dispatch(0)]++;
        }
        assertEquals(0, seen[2]);
        for (int i : new int[] {0, 1, 3}) {
            assertTrue(seen[i] > 8000 && seen[i] < 12000, "server " + i + " got " + seen[i]);
        }
    }

    @Test
    void rejectsBadServerLists() {
        assertThrows(IllegalArgumentException.class,
                () -> Continuum.build(DistType.KETAMA, new String[0], new int[0], null));
        assertThrows(IllegalArgumentException.class,
                () -> Continuum.build(DistType.KETAMA, new String[] {"a"}, new int[] {0}, null));
        assertThrows(IllegalArgumentException.class,
                () -> Continuum.build(DistType.MODULA, new String[] {"a", "b"}, new int[] {1}, null));
        assertThrows(IllegalArgumentException.class,
                () -> Continuum.build(DistType.RANDOM, new String[] {"a"}, new int[] {1}, new boolean[2]));
    }
}
