package io.wsproxy.internal.handshake;

import java.util.ArrayList;
import java.util.List;

/** Character classes and list syntax of RFC 9110 §5.6 shared by the parsers and validators. Stateless. */
final class HttpSyntax {
    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte SP = ' ';
    static final byte HTAB = '\t';

    private HttpSyntax() {
    }

    /** RFC 9110 §5.6.2 tchar. */
    static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || (c < 128 && "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
    }

    /** RFC 9110 §5.6.2 token: one or more tchar. */
    static boolean isToken(CharSequence text) {
        if (text.length() == 0) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!isTokenChar(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** RFC 5234 §B.1 CTL: 0x00-0x1F and DEL; HTAB is one, the caller decides whether it is allowed. */
    static boolean isControl(int c) {
        return c < 0x20 || c == 0x7f;
    }

    /** RFC 9110 §5.6.3 OWS: SP or HTAB. */
    static boolean isWhitespace(int c) {
        return c == SP || c == HTAB;
    }

    /** The text without leading and trailing OWS (RFC 9110 §5.6.3). */
    static String trimWhitespace(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isWhitespace(text.charAt(start))) {
            start++;
        }
        while (end > start && isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }

    /**
     * The elements of a comma-separated list (RFC 9110 §5.6.1), trimmed of OWS, empty ones skipped. Commas inside
     * a quoted-string (RFC 9110 §5.6.4) do not split, so a parameter value cannot pose as an element.
     */
    static List<String> listElements(String value) {
        List<String> elements = new ArrayList<>(2);
        int start = 0;
        while (true) {
            int end = elementEnd(value, start);
            addElement(elements, value.substring(start, end));
            if (end == value.length()) {
                return elements;
            }
            start = end + 1;
        }
    }

    /**
     * Where the list element starting at {@code start} of {@code value} ends: at the next comma outside a
     * quoted-string, or at the end of the value. {@link #listElements} splits with it; callers that only compare
     * elements use it directly, without making Strings.
     */
    static int elementEnd(String value, int start) {
        boolean quoted = false;
        boolean escaped = false;
        for (int i = start; i < value.length(); i++) {
            char c = value.charAt(i);
            if (escaped) {
                escaped = false;
            } else if (quoted && c == '\\') {
                escaped = true;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                return i;
            }
        }
        return value.length();
    }

    /** {@code start} moved past leading OWS, up to {@code end}. */
    static int skipWhitespace(String text, int start, int end) {
        while (start < end && isWhitespace(text.charAt(start))) {
            start++;
        }
        return start;
    }

    /** {@code end} moved back past trailing OWS, down to {@code start}. */
    static int trimEnd(String text, int start, int end) {
        while (end > start && isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    /**
     * Whether one of the {@link #listElements} of {@code value} equals {@code token}: ignoring case as {@link
     * String#equalsIgnoreCase} does, or with {@code inLowerCase} as equal {@code toLowerCase(Locale.ROOT)} forms
     * do (the same for ISO-8859-1 text and an ASCII token). Makes no Strings.
     */
    static boolean hasListElement(String value, String token, boolean inLowerCase) {
        for (int start = 0; start <= value.length(); ) {
            int end = elementEnd(value, start);
            int from = skipWhitespace(value, start, end);
            int to = trimEnd(value, from, end);
            boolean equal = inLowerCase ? equalsInLowerCase(value, from, to, token)
                    // String.equalsIgnoreCase is exactly: same length and regionMatches ignoring case.
                    : to - from == token.length() && value.regionMatches(true, from, token, 0, to - from);
            if (to > from && equal) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** Whether {@code text[start, end)} and {@code other} are equal character by character in lower case. */
    static boolean equalsInLowerCase(String text, int start, int end, String other) {
        if (end - start != other.length()) {
            return false;
        }
        for (int i = 0; i < other.length(); i++) {
            if (Character.toLowerCase(text.charAt(start + i)) != Character.toLowerCase(other.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static void addElement(List<String> elements, String raw) {
        String element = trimWhitespace(raw);
        if (!element.isEmpty()) {
            elements.add(element);
        }
    }

    /**
     * The version of an RFC 9112 §2.3 HTTP-version, {@code "HTTP/" DIGIT "." DIGIT} (case-sensitive), as
     * {@code major * 10 + minor}; -1 if the text is not one.
     */
    static int parseVersion(String text) {
        return parseVersion(text, 0);
    }

    /** {@link #parseVersion(String)} of {@code text} from {@code start} to its end, without a substring. */
    static int parseVersion(String text, int start) {
        if (text.length() - start != 8 || !text.startsWith("HTTP/", start) || text.charAt(start + 6) != '.') {
            return -1;
        }
        char major = text.charAt(start + 5);
        char minor = text.charAt(start + 7);
        if (major < '0' || major > '9' || minor < '0' || minor > '9') {
            return -1;
        }
        return (major - '0') * 10 + (minor - '0');
    }
}
