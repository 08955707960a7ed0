package io.wsproxy.tls.internal;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits the text of a PEM file into its blocks (RFC 7468). Tolerant where files in the wild differ: CRLF or LF
 * line ends, text before, between and after the blocks (as {@code openssl x509 -text} and {@code openssl pkcs12}
 * write), blank lines, trailing spaces, and RFC 1421 headers. Strict where a difference means a damaged file: a
 * BEGIN without its END, an END whose label differs from its BEGIN, a character that is not base64, or padding in
 * the middle. Stateless; thread-safe.
 */
public final class PemReader {
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";

    private PemReader() {
    }

    /**
     * The blocks of {@code text} in file order; empty when it has none.
     *
     * @throws MaterialFormatException for a truncated or damaged block, naming its type and line
     */
    public static List<PemBlock> read(String text) throws MaterialFormatException {
        String[] lines = text.split("\n", -1);
        List<PemBlock> blocks = new ArrayList<>();
        int i = 0;
        while (i < lines.length) {
            String line = strip(lines[i]);
            if (line.startsWith(BEGIN)) {
                i = readBlock(lines, i, blocks);
            } else if (line.startsWith(END)) {
                throw new MaterialFormatException("line " + (i + 1) + " has " + line + " without a BEGIN line");
            } else {
                i++;
            }
        }
        return blocks;
    }

    /** Reads the block whose BEGIN line is {@code lines[start]}; returns the index of the line after its END. */
    private static int readBlock(String[] lines, int start, List<PemBlock> blocks) throws MaterialFormatException {
        String type = label(strip(lines[start]), BEGIN, start);
        String where = "the " + type + " block at line " + (start + 1);
        Map<String, String> headers = new LinkedHashMap<>();
        StringBuilder base64 = new StringBuilder();
        for (int i = start + 1; i < lines.length; i++) {
            String line = strip(lines[i]);
            if (line.startsWith(END)) {
                String endType = label(line, END, i);
                if (!endType.equals(type)) {
                    throw new MaterialFormatException(where + " ends with END " + endType + " at line " + (i + 1));
                }
                blocks.add(new PemBlock(type, headers, decode(base64, where), start + 1));
                return i + 1;
            }
            if (line.startsWith(BEGIN)) {
                throw new MaterialFormatException(where + " has no END line before the next BEGIN at line "
                        + (i + 1) + " (truncated?)");
            }
            int colon = line.indexOf(':');
            if (colon > 0 && base64.length() == 0) {
                // RFC 1421 §4.6 encapsulated header, e.g. "Proc-Type: 4,ENCRYPTED"; base64 has no colon.
                headers.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
                continue;
            }
            for (int c = 0; c < line.length(); c++) {
                if (!isBase64(line.charAt(c))) {
                    throw new MaterialFormatException(where + " is not valid base64: line " + (i + 1)
                            + " has the character '" + printable(line.charAt(c)) + "'");
                }
            }
            base64.append(line);
        }
        throw new MaterialFormatException(where + " has no END line (truncated?)");
    }

    private static String label(String line, String prefix, int index) throws MaterialFormatException {
        if (!line.endsWith(DASHES) || line.length() < prefix.length() + DASHES.length()) {
            throw new MaterialFormatException("line " + (index + 1) + " is not a well-formed PEM "
                    + prefix.substring(DASHES.length()).trim() + " line");
        }
        return line.substring(prefix.length(), line.length() - DASHES.length()).trim();
    }

    private static byte[] decode(CharSequence base64, String where) throws MaterialFormatException {
        if (base64.length() == 0) {
            throw new MaterialFormatException(where + " is empty");
        }
        try {
            return Base64.getDecoder().decode(base64.toString());
        } catch (IllegalArgumentException e) {
            // Wrong length, or '=' padding before the end.
            throw new MaterialFormatException(where + " is not valid base64 (" + e.getMessage() + ")");
        }
    }

    private static boolean isBase64(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'
                || c == '=';
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c);
    }

    /** Removes surrounding spaces, tabs and the CR of CRLF line ends. */
    private static String strip(String line) {
        return line.strip();
    }
}
