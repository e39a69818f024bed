package io.pansaar.deploy;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression selects, found by a tokenizer rather than a regular expression over the
 * whole text: label names inside {@code {...}}, grouping labels after {@code by}, {@code without}, {@code on},
 * {@code ignoring}, {@code group_left} and {@code group_right}, function and aggregation names (an identifier
 * followed by {@code (}), keywords, numbers, durations, strings, comments and Grafana's template variables
 * ({@code $partition}, {@code ${partition:regex}}, {@code [[partition]]}, {@code $__rate_interval}) are skipped;
 * what is left is metric names. A selector written {@code {__name__="x"}} names {@code x}.
 */
final class PromQlNames {

    /** Keywords that stand alone, never metric names: operators, modifiers and the special numbers. */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "atan2", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan",
            // Aggregation operators may be followed by "by (...)" before their parenthesis.
            "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
            "quantile", "limitk", "limit_ratio");

    /** Keywords whose parenthesis, when one follows, lists label names. */
    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

    private static final Pattern NAME_MATCHER = Pattern.compile("__name__\\s*=\\s*\"([^\"]*)\"");

    private final String text;
    private int position;
    private final Set<String> names = new TreeSet<>();

    private PromQlNames(String text) {
        this.text = text;
    }

    /** Returns the metric names {@code expression} selects; a syntax this tokenizer does not know fails loudly. */
    static Set<String> of(String expression) {
        PromQlNames scanner = new PromQlNames(expression);
        scanner.scan();
        return scanner.names;
    }

    private void scan() {
        while (position < text.length()) {
            char c = text.charAt(position);
            if (Character.isWhitespace(c)) {
                position++;
            } else if (c == '#') {
                skipTo('\n');
            } else if (c == '"' || c == '\'' || c == '`') {
                skipString(c);
            } else if (c == '$') {
                skipVariable();
            } else if (c == '{') {
                selector();
            } else if (c == '[') {
                // A range or subquery (durations, a colon, variables), or Grafana's older [[variable]]: no names.
                skipBalanced('[', ']');
            } else if (Character.isDigit(c) || (c == '.' && position + 1 < text.length()
                    && Character.isDigit(text.charAt(position + 1)))) {
                // Numbers, hexadecimal numbers, exponents and durations (offset 10m, 1h30m).
                while (position < text.length() && (Character.isLetterOrDigit(text.charAt(position))
                        || text.charAt(position) == '.' || text.charAt(position) == '_')) {
                    position++;
                }
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                identifier();
            } else if ("()+-*/%^=!<>,@".indexOf(c) >= 0) {
                position++;
            } else {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + position + " in: " + text);
            }
        }
    }

    private void identifier() {
        int start = position;
        while (position < text.length() && (Character.isLetterOrDigit(text.charAt(position))
                || text.charAt(position) == '_' || text.charAt(position) == ':')) {
            position++;
        }
        String word = text.substring(start, position);
        String keyword = word.toLowerCase(Locale.ROOT);
        int next = nextNonSpace();
        boolean callFollows = next < text.length() && text.charAt(next) == '(';
        if (LABEL_LISTS.contains(keyword)) {
            if (callFollows) {
                position = next;
                skipBalanced('(', ')');
            }
        } else if (KEYWORDS.contains(keyword) || callFollows) {
            // An operator, or a function or aggregation named before its parenthesis: not a metric.
            return;
        } else {
            names.add(word);
        }
    }

    /** A label matcher block: its label names are no metrics, but {@code __name__="x"} names one. */
    private void selector() {
        int start = position;
        skipBalanced('{', '}');
        Matcher name = NAME_MATCHER.matcher(text.substring(start, position));
        while (name.find()) {
            names.add(name.group(1));
        }
    }

    private void skipBalanced(char open, char close) {
        int depth = 0;
        while (position < text.length()) {
            char c = text.charAt(position);
            if (c == '"' || c == '\'' || c == '`') {
                skipString(c);
                continue;
            }
            position++;
            if (c == open) {
                depth++;
            } else if (c == close && --depth == 0) {
                return;
            }
        }
        throw new IllegalArgumentException("unclosed '" + open + "' in: " + text);
    }

    private void skipString(char quote) {
        position++;
        while (position < text.length()) {
            char c = text.charAt(position++);
            if (c == '\\' && quote != '`') {
                position++;
            } else if (c == quote) {
                return;
            }
        }
        throw new IllegalArgumentException("unclosed string in: " + text);
    }

    private void skipVariable() {
        position++;
        if (position < text.length() && text.charAt(position) == '{') {
            int end = text.indexOf('}', position);
            require(end > 0, "unclosed ${variable}");
            position = end + 1;
            return;
        }
        while (position < text.length() && (Character.isLetterOrDigit(text.charAt(position)) || text.charAt(position) == '_')) {
            position++;
        }
    }

    private void skipTo(char end) {
        while (position < text.length() && text.charAt(position) != end) {
            position++;
        }
    }

    private int nextNonSpace() {
        int next = position;
        while (next < text.length() && Character.isWhitespace(text.charAt(next))) {
            next++;
        }
        return next;
    }

    private void require(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalArgumentException(problem + " in: " + text);
        }
    }
}
