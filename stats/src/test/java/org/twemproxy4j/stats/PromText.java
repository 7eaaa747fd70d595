package org.twemproxy4j.stats;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: every rule of the format that a
 * scraper enforces is an error here (metric and label name syntax, escapes, one HELP and one TYPE per family
 * before its samples, samples of a family contiguous, no duplicate series, summary/histogram sample names and
 * their {@code quantile}/{@code le} labels, non-negative counters, the final newline).
 */
final class PromText {
    static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    record Sample(String name, Map<String, String> labels, double value) {
    }

    static final class Family {
        final String name;
        String help;
        String type = "untyped";
        boolean typed;
        final List<Sample> samples = new ArrayList<>();

        Family(String name) {
            this.name = name;
        }

        /** The value of the sample {@code name} with exactly these labels, or NaN. */
        double value(String sampleName, Map<String, String> labels) {
            for (Sample s : samples) {
                if (s.name.equals(sampleName) && s.labels.equals(labels)) {
                    return s.value;
                }
            }
            return Double.NaN;
        }
    }

    private PromText() {
    }

    static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a newline");
        }
        Map<String, Family> families = new LinkedHashMap<>();
        Set<String> series = new HashSet<>();
        Set<String> closed = new HashSet<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        for (int ln = 0; ln < lines.length - 1; ln++) {
            String line = lines[ln];
            String where = "line " + (ln + 1) + ": " + line;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] t = line.split(" ", 4);
                if (t.length >= 3 && (t[1].equals("HELP") || t[1].equals("TYPE"))) {
                    String name = t[2];
                    need(METRIC.matcher(name).matches(), "bad metric name", where);
                    Family f = families.computeIfAbsent(name, Family::new);
                    need(f.samples.isEmpty(), "HELP/TYPE after samples", where);
                    if (t[1].equals("HELP")) {
                        need(f.help == null, "second HELP", where);
                        f.help = unescape(t.length == 4 ? t[3] : "", false, where);
                    } else {
                        need(!f.typed, "second TYPE", where);
                        need(t.length == 4 && Set.of("counter", "gauge", "summary", "histogram", "untyped")
                                .contains(t[3]), "bad type", where);
                        f.type = t[3];
                        f.typed = true;
                    }
                }
                continue;
            }
            int i = 0;
            while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
                i++;
            }
            String name = line.substring(0, i);
            need(METRIC.matcher(name).matches(), "bad metric name", where);
            Map<String, String> labels = new LinkedHashMap<>();
            if (i < line.length() && line.charAt(i) == '{') {
                i++;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    need(eq > i, "label expected", where);
                    String ln2 = line.substring(i, eq);
                    need(LABEL.matcher(ln2).matches() && !ln2.startsWith("__"), "bad label name", where);
                    need(line.charAt(eq + 1) == '"', "quote expected", where);
                    StringBuilder v = new StringBuilder();
                    int j = eq + 2;
                    while (true) {
                        need(j < line.length(), "unterminated label value", where);
                        char c = line.charAt(j);
                        if (c == '"') {
                            break;
                        }
                        if (c == '\\') {
                            char e = line.charAt(j + 1);
                            need(e == '\\' || e == '"' || e == 'n', "bad escape", where);
                            v.append(e == 'n' ? '\n' : e);
                            j += 2;
                        } else {
                            v.append(c);
                            j++;
                        }
                    }
                    need(labels.put(ln2, v.toString()) == null, "duplicate label", where);
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    } else {
                        need(line.charAt(i) == '}', "',' or '}' expected", where);
                    }
                }
                i++;
            }
            need(i < line.length() && line.charAt(i) == ' ', "space before value expected", where);
            String[] rest = line.substring(i + 1).split(" ");
            need(rest.length == 1 || rest.length == 2, "value [timestamp] expected", where);
            double value = number(rest[0], where);
            if (rest.length == 2) {
                Long.parseLong(rest[1]);
            }
            Family f = family(families, name, where);
            if (!f.name.equals(current)) {
                need(!closed.contains(f.name), "samples of " + f.name + " are not contiguous", where);
                if (current != null) {
                    closed.add(current);
                }
                current = f.name;
            }
            String suffix = name.substring(f.name.length());
            switch (f.type) {
                case "summary":
                    if (suffix.isEmpty()) {
                        String q = labels.get("quantile");
                        need(q != null, "summary sample without quantile", where);
                        double qv = number(q, where);
                        need(qv >= 0 && qv <= 1, "quantile out of range", where);
                    } else {
                        need(!labels.containsKey("quantile"), "quantile on _sum/_count", where);
                    }
                    break;
                case "histogram":
                    if (suffix.equals("_bucket")) {
                        need(labels.containsKey("le"), "bucket without le", where);
                    }
                    break;
                case "counter":
                    need(value >= 0, "negative counter", where);
                    break;
                default:
                    break;
            }
            need(series.add(name + labels), "duplicate series", where);
            f.samples.add(new Sample(name, labels, value));
        }
        return families;
    }

    private static Family family(Map<String, Family> families, String name, String where) {
        Family f = families.get(name);
        if (f != null && !f.type.equals("summary") && !f.type.equals("histogram")) {
            return f;
        }
        for (String suffix : new String[] {"_sum", "_count", "_bucket"}) {
            if (name.endsWith(suffix)) {
                Family g = families.get(name.substring(0, name.length() - suffix.length()));
                if (g != null && (g.type.equals("summary") && !suffix.equals("_bucket")
                        || g.type.equals("histogram"))) {
                    return g;
                }
            }
        }
        if (f != null) {
            return f; // summary/histogram base name
        }
        throw new IllegalArgumentException("sample of an undeclared family (no TYPE): " + where);
    }

    private static double number(String s, String where) {
        switch (s) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad number '" + s + "': " + where);
                }
        }
    }

    private static String unescape(String s, boolean quotes, String where) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                need(i + 1 < s.length(), "dangling escape", where);
                char e = s.charAt(++i);
                need(e == '\\' || e == 'n' || quotes && e == '"', "bad escape", where);
                b.append(e == 'n' ? '\n' : e);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void need(boolean ok, String what, String where) {
        if (!ok) {
            throw new IllegalArgumentException(what + ": " + where);
        }
    }
}
