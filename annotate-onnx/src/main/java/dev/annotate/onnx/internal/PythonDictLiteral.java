package dev.annotate.onnx.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses the Python dict literal Ultralytics stores in ONNX metadata {@code names}, such as
 * {@code {0: 'person', 1: "traffic light", 2: 'caf\u00e9'}}, without evaluating anything: integer keys,
 * single- or double-quoted string values with Python's escapes ({@code \\ \' \" \n \t \r \xHH \\uHHHH
 * \UHHHHHHHH}), optional trailing comma, any whitespace. Anything else is an {@link IllegalArgumentException}
 * naming the character index.
 */
public final class PythonDictLiteral {

    private final String text;
    private int pos;

    private PythonDictLiteral(String text) {
        this.text = text;
    }

    /** The dict's entries in text order; duplicate keys are refused. */
    public static Map<Long, String> parse(String text) {
        return new PythonDictLiteral(text).dict();
    }

    private Map<Long, String> dict() {
        Map<Long, String> out = new LinkedHashMap<>();
        skipSpace();
        expect('{');
        skipSpace();
        if (peek() == '}') {
            pos++;
        } else {
            while (true) {
                skipSpace();
                int at = pos;
                long key = integer();
                skipSpace();
                expect(':');
                skipSpace();
                String value = string();
                if (out.put(key, value) != null) {
                    throw error(at, "duplicate key " + key);
                }
                skipSpace();
                char c = next("',' or '}'");
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    throw error(pos - 1, "expected ',' or '}', found '" + c + "'");
                }
                skipSpace();
                if (peek() == '}') {
                    pos++;
                    break;
                }
            }
        }
        skipSpace();
        if (pos != text.length()) {
            throw error(pos, "unexpected text after the dict");
        }
        return out;
    }

    private long integer() {
        int start = pos;
        if (peek() == '-' || peek() == '+') {
            pos++;
        }
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        String digits = text.substring(start, pos);
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw error(start, "expected an integer key");
        }
    }

    private String string() {
        int start = pos;
        char quote = next("a quoted string");
        if (quote != '\'' && quote != '"') {
            throw error(start, "expected a quoted string, found '" + quote + "'");
        }
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error(start, "unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == quote) {
                return sb.toString();
            }
            if (c == '\n') {
                throw error(pos - 1, "newline inside a string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = next("an escape");
            switch (e) {
                case '\\', '\'', '"' -> sb.append(e);
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '0' -> sb.append('\0');
                case 'x' -> sb.appendCodePoint(hex(2));
                case 'u' -> sb.appendCodePoint(hex(4));
                case 'U' -> sb.appendCodePoint(hex(8));
                default -> throw error(pos - 2, "unknown escape \\" + e);
            }
        }
    }

    private int hex(int digits) {
        if (pos + digits > text.length()) {
            throw error(pos, "incomplete hex escape");
        }
        try {
            int cp = Integer.parseUnsignedInt(text.substring(pos, pos + digits), 16);
            if (!Character.isValidCodePoint(cp)) {
                throw error(pos, "escape is not a Unicode code point");
            }
            pos += digits;
            return cp;
        } catch (NumberFormatException ex) {
            throw error(pos, "bad hex escape '" + text.substring(pos, pos + digits) + "'");
        }
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private char next(String expected) {
        if (pos >= text.length()) {
            throw error(pos, "expected " + expected + " at the end of the text");
        }
        return text.charAt(pos++);
    }

    private void expect(char c) {
        char got = next("'" + c + "'");
        if (got != c) {
            throw error(pos - 1, "expected '" + c + "', found '" + got + "'");
        }
    }

    private IllegalArgumentException error(int at, String message) {
        return new IllegalArgumentException("names metadata, character " + at + ": " + message);
    }
}
