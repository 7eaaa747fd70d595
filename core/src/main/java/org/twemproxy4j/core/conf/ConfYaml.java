package org.twemproxy4j.core.conf;

import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.scanner.ScannerException;
import org.yaml.snakeyaml.scanner.ScannerImpl;
import org.yaml.snakeyaml.tokens.BlockEndToken;
import org.yaml.snakeyaml.tokens.BlockMappingStartToken;
import org.yaml.snakeyaml.tokens.BlockSequenceStartToken;
import org.yaml.snakeyaml.tokens.KeyToken;
import org.yaml.snakeyaml.tokens.ScalarToken;
import org.yaml.snakeyaml.tokens.Token;
import org.yaml.snakeyaml.tokens.ValueToken;

/**
 * Mirrors nutcracker's YAML front end, {@code conf_pre_validate()} (nc_conf.c): reads the file with snakeyaml and
 * refuses what nutcracker refuses before it looks at a single directive.
 * <ol>
 * <li>the whole stream must parse ({@code conf_validate_document}) and hold exactly one document;</li>
 * <li>no directives, document markers, flow collections, anchors, aliases or tags
 * ({@code conf_validate_tokens});</li>
 * <li>the shape pool name -> directives, with exactly one sequence per pool and nothing deeper
 * ({@code conf_validate_structure}).</li>
 * </ol>
 *
 * <p>nutcracker uses libyaml 0.2.5, whose scanner differs from snakeyaml's in a few places this class evens out,
 * each by rewriting the text without changing its length (so snakeyaml's marks stay true) and checking afterwards
 * what libyaml checks:
 * <ul>
 * <li>libyaml skips tabs between tokens where no simple key may start (after a quoted or plain scalar, or after
 * the ':' of a simple key), and inside the leading blanks of a plain scalar's continuation line when they are not
 * left of its indentation; snakeyaml refuses every tab between tokens;</li>
 * <li>libyaml allows tabs and a comment without a blank after a block scalar's indicators;</li>
 * <li>libyaml knows the escapes backslash-tab and {@code \/};</li>
 * <li>libyaml refuses escapes that name a surrogate or a code point above U+10FFFF, which snakeyaml lets
 * through;</li>
 * <li>libyaml skips a byte order mark at the start of any line, snakeyaml only at the start of the stream.</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance reads one file.
 */
final class ConfYaml {
    /** Event kinds nutcracker's parser distinguishes. */
    enum Kind {
        STREAM_START, STREAM_END, DOCUMENT_START, DOCUMENT_END, MAPPING_START, MAPPING_END, SEQUENCE_START,
        SEQUENCE_END, SCALAR, ALIAS
    }

    /** One parse event, reduced to what nutcracker reads from it. */
    static final class YamlEvent {
        final Kind kind;
        final String value; // scalar value, else null
        final int line; // 1-based

        YamlEvent(Kind kind, String value, int line) {
            this.kind = kind;
            this.value = value;
            this.line = line;
        }

        @Override
        public String toString() {
            return kind + (value != null ? "(" + value + ")" : "") + "@" + line;
        }
    }

    private static final int CONF_ROOT_DEPTH = 1;
    private static final int CONF_MAX_DEPTH = CONF_ROOT_DEPTH + 1;

    private final String file;
    private final int[] orig; // the text as code points, as snakeyaml's marks count them
    private final int[] text; // the text handed to snakeyaml, after the libyaml fix-ups
    private final List<int[]> tabRuns = new ArrayList<>(); // [start, end) of blank runs whose tabs became spaces
    private final List<Integer> boms = new ArrayList<>(); // index of each BOM at a line start, now a space
    private final List<Integer> slashEscapes = new ArrayList<>(); // index of each '/' of a "\/" now a '\'

    private ConfYaml(String file, String yaml) {
        this.file = file;
        this.orig = yaml.codePoints().toArray();
        this.text = orig.clone();
        for (int i = 1; i < text.length; i++) {
            if (text[i] == 0xFEFF && isBreak(text[i - 1])) {
                text[i] = ' '; // libyaml skips a BOM at the start of any line, and counts its column
                boms.add(i);
            }
        }
    }

    /**
     * Reads {@code yaml} and returns its events after the checks of {@code conf_pre_validate()}: one document
     * whose structure nutcracker's parser accepts.
     */
    static List<YamlEvent> read(String file, String yaml) throws ConfException {
        ConfYaml y = new ConfYaml(file, yaml);
        List<Token> tokens = y.scan();
        List<YamlEvent> events = y.parse();
        y.validateDocument(events);
        y.validateTokens(tokens);
        y.validateStructure(events);
        return events;
    }

    private static LoaderOptions options() {
        LoaderOptions o = new LoaderOptions();
        o.setCodePointLimit(Integer.MAX_VALUE);
        o.setProcessComments(false);
        o.setAllowDuplicateKeys(true);
        return o;
    }

    private StreamReader reader() {
        return new StreamReader(new String(text, 0, text.length));
    }

    /** The outcome of one scan: the tokens read and the error that stopped it, if any. */
    private static final class Scan {
        final List<Token> tokens = new ArrayList<>();
        RuntimeException error;
    }

    private Scan scanOnce() {
        Scan s = new Scan();
        try {
            ScannerImpl scanner = new ScannerImpl(reader(), options());
            while (scanner.checkToken()) {
                s.tokens.add(scanner.getToken());
            }
        } catch (RuntimeException e) {
            s.error = e;
        }
        return s;
    }

    /**
     * Scans the whole stream (the scanner half of {@code conf_validate_document}), rewriting the tabs and
     * escapes libyaml would accept, then checks the rewritten tabs and the escape codes as libyaml does.
     */
    private List<Token> scan() throws ConfException {
        Scan s;
        while (true) {
            s = scanOnce();
            if (s.error == null || !(fixTab(s.error) || fixEscape(s.error) || fixBlockHeader(s.error))) {
                break;
            }
        }
        ConfException tabError = checkTabRuns(s.tokens);
        if (tabError == null) {
            tabError = checkBoms(s.tokens);
        }
        if (s.error != null) {
            ConfException e = yamlError(s.error);
            if (tabError != null && tabError.line() <= e.line()) {
                throw tabError;
            }
            throw e;
        }
        if (tabError != null) {
            throw tabError;
        }
        checkEscapes(s.tokens);
        return s.tokens;
    }

    private static boolean isBreak(int c) {
        return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029;
    }

    private static boolean isBlank(int c) {
        return c == ' ' || c == '\t';
    }

    /**
     * snakeyaml refuses a tab where a token may start. libyaml skips it unless a simple key may start there
     * (line start, after '-', '?' or a complex ':'); and at the start of a line that continues a plain scalar,
     * libyaml's scalar scanner takes the tabs that are not left of the scalar's indentation. Turn the tabs of that
     * blank run into spaces, which libyaml would skip alike, and let {@link #checkTabRuns} decide once the tokens
     * around the run are known.
     */
    private boolean fixTab(RuntimeException error) {
        if (!(error instanceof ScannerException)) {
            return false;
        }
        ScannerException se = (ScannerException) error;
        Mark m = se.getProblemMark();
        String problem = se.getProblem();
        if (m == null || problem == null || !problem.contains("cannot start any token")) {
            return false;
        }
        int i = m.getIndex();
        if (i < 0 || i >= text.length || text[i] != '\t') {
            return false;
        }
        int a = i;
        while (a > 0 && isBlank(text[a - 1])) {
            a--;
        }
        int b = i;
        while (b < text.length && isBlank(text[b])) {
            b++;
        }
        for (int k = a; k < b; k++) {
            text[k] = ' ';
        }
        tabRuns.add(new int[] {a, b});
        return true;
    }

    /**
     * libyaml 0.2.5 knows two escapes snakeyaml does not: backslash-tab (a tab, rewritten as {@code \t}) and
     * {@code \/} (a '/', rewritten as an escaped backslash and put back in {@link #scalarValue}).
     */
    private boolean fixEscape(RuntimeException error) {
        if (!(error instanceof ScannerException)) {
            return false;
        }
        ScannerException se = (ScannerException) error;
        Mark m = se.getProblemMark();
        String problem = se.getProblem();
        if (m == null || problem == null || !problem.contains("unknown escape character")) {
            return false;
        }
        int i = m.getIndex();
        if (i <= 0 || i >= text.length || text[i - 1] != '\\') {
            return false;
        }
        if (text[i] == '\t') {
            text[i] = 't';
            return true;
        }
        if (text[i] == '/') {
            text[i] = '\\'; // same length, so every mark stays valid
            slashEscapes.add(i);
            return true;
        }
        return false;
    }

    /**
     * After a block scalar's indicators libyaml skips spaces and tabs, then an optional comment, even one with no
     * blank before its '#'; snakeyaml wants a space first and no tab. Blank out the rest of that header line when
     * libyaml would accept it.
     */
    private boolean fixBlockHeader(RuntimeException error) {
        if (!(error instanceof ScannerException)) {
            return false;
        }
        ScannerException se = (ScannerException) error;
        Mark m = se.getProblemMark();
        String context = se.getContext();
        String problem = se.getProblem();
        if (m == null || context == null || problem == null || !context.contains("block scalar")
                || !(problem.startsWith("expected chomping or indentation indicators")
                        || problem.startsWith("expected a comment or a line break"))) {
            return false;
        }
        int i = m.getIndex();
        int e = i;
        while (e < text.length && !isBreak(text[e])) {
            e++;
        }
        int k = i;
        while (k < e && isBlank(text[k])) {
            k++;
        }
        if (k < e && text[k] != '#') {
            return false;
        }
        boolean changed = false;
        for (int j = i; j < e; j++) {
            changed |= text[j] != ' ';
            text[j] = ' ';
        }
        return changed;
    }

    /**
     * Each rewritten tab run must be where libyaml skips tabs. After a token on the same line, that token must
     * leave simple keys disallowed: a quoted or plain scalar, or the ':' of a simple key. At the start of a line,
     * the run must continue a plain scalar, whose scanner takes the tabs at or right of the scalar's indentation
     * (the enclosing block's indentation + 1) and refuses the others. Anywhere else libyaml stops at the tab as
     * snakeyaml did.
     */
    private ConfException checkTabRuns(List<Token> tokens) {
        for (int[] run : tabRuns) {
            int a = run[0];
            int b = run[1];
            boolean ok = a > 0 && !isBreak(orig[a - 1]) ? afterSimpleKeyBlocker(tokens, a)
                    : continuesPlainScalar(tokens, a, b);
            if (!ok) {
                int tab = a;
                while (orig[tab] != '\t') {
                    tab++;
                }
                return new ConfException(file, lineOf(tab),
                        "found a tab character where a token may start (tabs cannot indent)");
            }
        }
        return null;
    }

    private static boolean afterSimpleKeyBlocker(List<Token> tokens, int a) {
        for (int t = tokens.size() - 1; t >= 0; t--) {
            Token tok = tokens.get(t);
            if (tok.getEndMark().getIndex() != a || tok.getStartMark().getIndex() >= a) {
                continue;
            }
            if (tok instanceof ScalarToken) {
                DumperOptions.ScalarStyle st = ((ScalarToken) tok).getStyle();
                return st == DumperOptions.ScalarStyle.PLAIN || st == DumperOptions.ScalarStyle.SINGLE_QUOTED
                        || st == DumperOptions.ScalarStyle.DOUBLE_QUOTED;
            }
            if (tok instanceof ValueToken && t >= 2 && tokens.get(t - 1) instanceof ScalarToken
                    && tokens.get(t - 2) instanceof KeyToken) {
                Token key = tokens.get(t - 2);
                return key.getStartMark().getIndex() == key.getEndMark().getIndex(); // a simple key
            }
            return false;
        }
        return false;
    }

    private boolean continuesPlainScalar(List<Token> tokens, int a, int b) {
        int t = tokens.size() - 1;
        while (t >= 0 && tokens.get(t).getStartMark().getIndex() >= a) {
            t--;
        }
        if (t < 0 || !(tokens.get(t) instanceof ScalarToken)
                || ((ScalarToken) tokens.get(t)).getStyle() != DumperOptions.ScalarStyle.PLAIN) {
            return false;
        }
        Token scalar = tokens.get(t);
        int start = scalar.getStartMark().getIndex();
        for (int k = scalar.getEndMark().getIndex(); k < a; k++) {
            if (!isBlank(orig[k]) && !isBreak(orig[k])) {
                return false; // a comment ended the scalar before this line
            }
        }
        // parser->indent while the scalar was scanned: the innermost open block collection, not counting one
        // opened at the scalar itself (a simple key rolls its mapping's indentation only after its ':')
        List<Integer> indents = new ArrayList<>();
        for (int k = 0; k < t; k++) {
            Token tok = tokens.get(k);
            if (tok instanceof BlockMappingStartToken || tok instanceof BlockSequenceStartToken) {
                if (tok.getStartMark().getIndex() != start) {
                    indents.add(tok.getStartMark().getColumn());
                }
            } else if (tok instanceof BlockEndToken && !indents.isEmpty()) {
                indents.remove(indents.size() - 1);
            }
        }
        int indent = (indents.isEmpty() ? -1 : indents.get(indents.size() - 1)) + 1;
        for (int k = a; k < b; k++) {
            if (orig[k] == '\t' && k - a < indent) {
                return false; // "found a tab character that violates indentation"
            }
        }
        return true;
    }

    /**
     * A BOM at the start of a line inside a multi-line scalar. In a quoted scalar it is content for libyaml too:
     * put it back. In a plain or block scalar it ends the scalar in libyaml (its column 0 is left of the scalar's
     * indentation) before being skipped, so the lines after it are read as tokens of their own; any that is not
     * blank or a comment then lands where no block collection can take it. snakeyaml, reading a space there,
     * continues the scalar instead: refuse the file as libyaml does.
     */
    private ConfException checkBoms(List<Token> tokens) {
        for (int p : boms) {
            for (Token tok : tokens) {
                int start = tok.getStartMark().getIndex();
                int end = Math.min(tok.getEndMark().getIndex(), orig.length);
                if (!(tok instanceof ScalarToken) || start >= p || end <= p) {
                    continue;
                }
                DumperOptions.ScalarStyle st = ((ScalarToken) tok).getStyle();
                if (st == DumperOptions.ScalarStyle.SINGLE_QUOTED || st == DumperOptions.ScalarStyle.DOUBLE_QUOTED) {
                    text[p] = 0xFEFF;
                    continue;
                }
                boolean lineStart = true;
                for (int k = p + 1; k < end; k++) {
                    int c = orig[k];
                    if (isBreak(c)) {
                        lineStart = true;
                    } else if (lineStart && !isBlank(c)) {
                        if (c != '#') {
                            return new ConfException(file, lineOf(p),
                                    "a byte order mark at the start of a line cuts a multi-line scalar short");
                        }
                        lineStart = false;
                    }
                }
            }
        }
        return null;
    }

    /** libyaml refuses escapes of surrogates and of code points above U+10FFFF. */
    private void checkEscapes(List<Token> tokens) throws ConfException {
        for (Token tok : tokens) {
            if (!(tok instanceof ScalarToken)
                    || ((ScalarToken) tok).getStyle() != DumperOptions.ScalarStyle.DOUBLE_QUOTED) {
                continue;
            }
            int end = Math.min(tok.getEndMark().getIndex(), orig.length);
            for (int i = tok.getStartMark().getIndex() + 1; i < end - 1; i++) {
                if (orig[i] != '\\') {
                    continue;
                }
                int c = orig[i + 1];
                int len = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
                long v = 0;
                for (int k = 0; k < len && i + 2 + k < end; k++) {
                    v = (v << 4) | Character.digit(orig[i + 2 + k], 16);
                }
                if (len > 0 && ((v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)) {
                    throw new ConfException(file, lineOf(i),
                            "found an invalid Unicode character escape code in a double-quoted scalar");
                }
                i += 1 + len;
            }
        }
    }

    /** The parser half of {@code conf_validate_document}: every event of the stream. */
    private List<YamlEvent> parse() throws ConfException {
        List<YamlEvent> out = new ArrayList<>();
        try {
            ParserImpl parser = new ParserImpl(reader(), options());
            while (true) {
                Event e = parser.getEvent();
                out.add(toYamlEvent(e));
                if (e.is(Event.ID.StreamEnd)) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            throw yamlError(e);
        }
        return out;
    }

    private YamlEvent toYamlEvent(Event e) throws ConfException {
        int line = e.getStartMark() != null ? e.getStartMark().getLine() + 1 : 0;
        switch (e.getEventId()) {
            case StreamStart:
                return new YamlEvent(Kind.STREAM_START, null, line);
            case StreamEnd:
                return new YamlEvent(Kind.STREAM_END, null, line);
            case DocumentStart:
                return new YamlEvent(Kind.DOCUMENT_START, null, line);
            case DocumentEnd:
                return new YamlEvent(Kind.DOCUMENT_END, null, line);
            case MappingStart:
                return new YamlEvent(Kind.MAPPING_START, null, line);
            case MappingEnd:
                return new YamlEvent(Kind.MAPPING_END, null, line);
            case SequenceStart:
                return new YamlEvent(Kind.SEQUENCE_START, null, line);
            case SequenceEnd:
                return new YamlEvent(Kind.SEQUENCE_END, null, line);
            case Scalar:
                return new YamlEvent(Kind.SCALAR, scalarValue((ScalarEvent) e), line);
            case Alias:
                return new YamlEvent(Kind.ALIAS, null, line);
            default:
                throw new ConfException(file, line, "unexpected YAML event " + e.getEventId());
        }
    }

    /** The scalar's value; a double-quoted one holding a rewritten {@code \/} is read again with {@code \x2F}. */
    private String scalarValue(ScalarEvent e) throws ConfException {
        if (slashEscapes.isEmpty() || !e.isDQuoted()) {
            return e.getValue();
        }
        int start = e.getStartMark().getIndex();
        int end = e.getEndMark().getIndex();
        StringBuilder raw = new StringBuilder();
        boolean rewritten = false;
        for (int i = start; i < end; i++) {
            if (slashEscapes.contains(i)) {
                raw.append("x2F");
                rewritten = true;
            } else {
                raw.appendCodePoint(text[i]);
            }
        }
        if (!rewritten) {
            return e.getValue();
        }
        try {
            ParserImpl p = new ParserImpl(new StreamReader(raw.toString()), options());
            while (true) {
                Event ev = p.getEvent();
                if (ev instanceof ScalarEvent) {
                    return ((ScalarEvent) ev).getValue();
                }
                if (ev.is(Event.ID.StreamEnd)) {
                    break;
                }
            }
        } catch (RuntimeException ex) {
            throw yamlError(ex);
        }
        return e.getValue();
    }

    /** {@code conf_validate_document}: exactly one document. */
    private void validateDocument(List<YamlEvent> events) throws ConfException {
        int count = 0;
        for (YamlEvent e : events) {
            if (e.kind == Kind.DOCUMENT_START) {
                count++;
            }
        }
        if (count != 1) {
            throw new ConfException(file, 0, "must contain exactly 1 YAML document; found " + count);
        }
    }

    /** {@code conf_validate_tokens}: the YAML features nutcracker refuses outright. */
    private void validateTokens(List<Token> tokens) throws ConfException {
        for (Token t : tokens) {
            String what;
            switch (t.getTokenId()) {
                case Directive:
                    what = "directive (%YAML, %TAG)";
                    break;
                case DocumentStart:
                    what = "document start marker (---)";
                    break;
                case DocumentEnd:
                    what = "document end marker (...)";
                    break;
                case FlowSequenceStart:
                case FlowSequenceEnd:
                    what = "flow sequence ([...])";
                    break;
                case FlowMappingStart:
                case FlowMappingEnd:
                    what = "flow mapping ({...})";
                    break;
                case FlowEntry:
                    what = "flow entry (,)";
                    break;
                case Alias:
                    what = "alias (*)";
                    break;
                case Anchor:
                    what = "anchor (&)";
                    break;
                case Tag:
                    what = "tag (!)";
                    break;
                default:
                    what = null;
                    break;
            }
            if (what != null) {
                throw new ConfException(file, t.getStartMark().getLine() + 1,
                        "YAML " + what + " is not allowed");
            }
        }
    }

    /**
     * {@code conf_validate_structure}: a mapping of pool names, each to a mapping of directives that holds
     * exactly one sequence (normally {@code servers:}) of scalars, and nothing deeper.
     */
    private void validateStructure(List<YamlEvent> events) throws ConfException {
        int depth = 0;
        int[] count = new int[CONF_MAX_DEPTH + 1];
        boolean seq = false;
        boolean inSeq = false; // between a sequence's start and end, for messages
        boolean sentinelSeq = false; // the pool's "sentinels:" list (twemproxy4j), besides its one sequence
        String dkey = null; // the directive name just read, whatever came before it
        String pool = null; // for messages
        String key = null; // for messages
        for (YamlEvent e : events) {
            switch (e.kind) {
                case MAPPING_START:
                    if (depth == CONF_ROOT_DEPTH && count[depth] != 1) {
                        throw new ConfException(file, e.line, "a pool name must be a scalar, not a mapping");
                    } else if (depth >= CONF_MAX_DEPTH) {
                        throw new ConfException(file, e.line, pool, key, null,
                                "cannot hold a mapping: nothing may nest deeper than pool -> directive");
                    }
                    depth++;
                    break;
                case MAPPING_END:
                    if (depth == CONF_MAX_DEPTH) {
                        if (seq) {
                            seq = false;
                        } else {
                            throw new ConfException(file, e.line, pool, null, null,
                                    "has no sequence: \"servers:\" must be a list");
                        }
                    }
                    depth--;
                    count[depth] = 0;
                    sentinelSeq = false;
                    break;
                case SEQUENCE_START:
                    if ("sentinels".equals(dkey) && depth == CONF_MAX_DEPTH && count[depth] == 1 && !inSeq) {
                        if (sentinelSeq) {
                            throw new ConfException(file, e.line, pool, "sentinels", null, "is a duplicate");
                        }
                        sentinelSeq = true; // twemproxy4j's second list: not the pool's one sequence
                        inSeq = true;
                        break;
                    }
                    if (seq) {
                        throw new ConfException(file, e.line, pool, key, null, inSeq
                                ? "cannot hold a sequence inside its sequence"
                                : "is a second sequence: a pool holds exactly one (\"servers:\")");
                    } else if (depth != CONF_MAX_DEPTH) {
                        throw new ConfException(file, e.line, depth == 0
                                ? "the document must be a mapping of pool names, not a sequence"
                                : "a pool must be a mapping of directives, not a sequence");
                    } else if (count[depth] != 1) {
                        throw new ConfException(file, e.line, pool, null, null,
                                "has a sequence where a directive name should be");
                    }
                    seq = true;
                    inSeq = true;
                    break;
                case SEQUENCE_END:
                    count[depth] = 0;
                    inSeq = false;
                    break;
                case SCALAR:
                    if (depth == 0) {
                        throw new ConfException(file, e.line,
                                "the document must be a mapping of pool names, not a scalar");
                    } else if (depth == CONF_ROOT_DEPTH && count[depth] != 0) {
                        throw new ConfException(file, e.line, pool, null, e.value,
                                "must be a mapping of directives, not the scalar '" + e.value + "'");
                    } else if (depth == CONF_MAX_DEPTH && count[depth] == 2) {
                        count[depth] = 0; // a "key: value" pair is complete
                    }
                    if (depth == CONF_MAX_DEPTH && !inSeq && count[depth] == 0) {
                        dkey = e.value;
                    }
                    if (depth == CONF_ROOT_DEPTH) {
                        pool = e.value;
                    } else if (depth == CONF_MAX_DEPTH && !seq && count[depth] == 0) {
                        key = e.value;
                    }
                    count[depth]++;
                    break;
                case ALIAS:
                    throw new ConfException(file, e.line, "YAML alias (*) is not allowed");
                default:
                    break;
            }
        }
    }

    private int lineOf(int index) {
        int line = 1;
        for (int i = 0; i < index && i < orig.length; i++) {
            int c = orig[i];
            if (c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029
                    || (c == '\r' && (i + 1 >= orig.length || orig[i + 1] != '\n'))) {
                line++;
            }
        }
        return line;
    }

    /** Turns any snakeyaml failure into one line: file, line, snakeyaml's own description of the problem. */
    private ConfException yamlError(RuntimeException e) {
        if (e instanceof MarkedYAMLException) {
            MarkedYAMLException me = (MarkedYAMLException) e;
            Mark m = me.getProblemMark() != null ? me.getProblemMark() : me.getContextMark();
            StringBuilder sb = new StringBuilder("invalid YAML: ");
            if (me.getContext() != null) {
                sb.append(me.getContext()).append(": ");
            }
            sb.append(me.getProblem() != null ? me.getProblem() : "syntax error");
            return new ConfException(file, m != null ? m.getLine() + 1 : 0, sb.toString());
        }
        if (e instanceof ReaderException) {
            ReaderException re = (ReaderException) e;
            return new ConfException(file, lineOf(re.getPosition()), String.format(
                    "invalid YAML: special character U+%04X is not allowed", re.getCodePoint()));
        }
        String msg = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return new ConfException(file, 0, "invalid YAML: " + msg);
    }
}
