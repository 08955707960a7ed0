package io.wsproxy.internal.codec;

import java.nio.ByteBuffer;

/**
 * Allocation-free UTF-8 (RFC 3629) validation and encoding for the short texts of control frames: close
 * reasons the scanner checks (RFC 6455 §5.5.1, §8.1) and close reasons the writer sends. Stateless, so usable
 * from any thread.
 */
final class Utf8 {
    private Utf8() {
    }

    /**
     * Whether {@code length} bytes from {@code offset}, each XORed with the byte of {@code maskKey} (big-endian,
     * RFC 6455 §5.3) at its index modulo 4, are well-formed UTF-8: no overlong forms, no surrogates, nothing above
     * U+10FFFF and no truncated sequence (RFC 3629 §4). A {@code maskKey} of 0 reads the bytes as they are. Uses
     * absolute gets; the buffer is left alone.
     */
    static boolean isValid(ByteBuffer buf, int offset, int length, int maskKey) {
        int continuationBytes = 0;
        // Bounds of the next continuation byte: narrower than 0x80-0xBF right after E0, ED, F0 and F4.
        int lower = 0x80;
        int upper = 0xbf;
        for (int i = 0; i < length; i++) {
            int b = (buf.get(offset + i) ^ (maskKey >>> (24 - ((i & 3) << 3)))) & 0xff;
            if (continuationBytes == 0) {
                if (b < 0x80) {
                    continue;
                } else if (b >= 0xc2 && b <= 0xdf) {
                    continuationBytes = 1;
                } else if (b >= 0xe0 && b <= 0xef) {
                    continuationBytes = 2;
                    if (b == 0xe0) {
                        lower = 0xa0; // overlong below U+0800
                    } else if (b == 0xed) {
                        upper = 0x9f; // surrogates U+D800-U+DFFF
                    }
                } else if (b >= 0xf0 && b <= 0xf4) {
                    continuationBytes = 3;
                    if (b == 0xf0) {
                        lower = 0x90; // overlong below U+10000
                    } else if (b == 0xf4) {
                        upper = 0x8f; // above U+10FFFF
                    }
                } else {
                    return false; // 0x80-0xC1 (stray continuation, overlong 2-byte) and 0xF5-0xFF
                }
            } else {
                if (b < lower || b > upper) {
                    return false;
                }
                lower = 0x80;
                upper = 0xbf;
                continuationBytes--;
            }
        }
        return continuationBytes == 0;
    }

    /**
     * Bytes of the UTF-8 encoding of the longest prefix of {@code text} that ends at a character boundary and
     * fits in {@code maxBytes}. An unpaired surrogate counts as one byte, like the '?' that replaces it.
     */
    static int encodedLength(CharSequence text, int maxBytes) {
        int bytes = 0;
        for (int i = 0, n = text.length(); i < n; ) {
            char c = text.charAt(i);
            int charCount = 1;
            int charBytes;
            if (c < 0x80) {
                charBytes = 1;
            } else if (c < 0x800) {
                charBytes = 2;
            } else if (isSurrogatePair(text, i)) {
                charBytes = 4;
                charCount = 2;
            } else {
                charBytes = Character.isSurrogate(c) ? 1 : 3;
            }
            if (bytes + charBytes > maxBytes) {
                break;
            }
            bytes += charBytes;
            i += charCount;
        }
        return bytes;
    }

    /**
     * Writes the UTF-8 encoding of the longest prefix of {@code text} that ends at a character boundary and fits
     * in {@code maxBytes} at {@code dst}'s position, advancing it, and returns the bytes written. An unpaired
     * surrogate is written as '?', as {@link String#getBytes(java.nio.charset.Charset)} does.
     */
    static int encode(ByteBuffer dst, CharSequence text, int maxBytes) {
        int bytes = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                if (bytes + 1 > maxBytes) {
                    break;
                }
                dst.put((byte) c);
                bytes += 1;
            } else if (c < 0x800) {
                if (bytes + 2 > maxBytes) {
                    break;
                }
                dst.put((byte) (0xc0 | c >> 6));
                dst.put((byte) (0x80 | c & 0x3f));
                bytes += 2;
            } else if (isSurrogatePair(text, i)) {
                if (bytes + 4 > maxBytes) {
                    break;
                }
                int codePoint = Character.toCodePoint(c, text.charAt(++i));
                dst.put((byte) (0xf0 | codePoint >> 18));
                dst.put((byte) (0x80 | codePoint >> 12 & 0x3f));
                dst.put((byte) (0x80 | codePoint >> 6 & 0x3f));
                dst.put((byte) (0x80 | codePoint & 0x3f));
                bytes += 4;
            } else if (Character.isSurrogate(c)) {
                if (bytes + 1 > maxBytes) {
                    break;
                }
                dst.put((byte) '?');
                bytes += 1;
            } else {
                if (bytes + 3 > maxBytes) {
                    break;
                }
                dst.put((byte) (0xe0 | c >> 12));
                dst.put((byte) (0x80 | c >> 6 & 0x3f));
                dst.put((byte) (0x80 | c & 0x3f));
                bytes += 3;
            }
        }
        return bytes;
    }

    private static boolean isSurrogatePair(CharSequence text, int index) {
        return Character.isHighSurrogate(text.charAt(index))
                && index + 1 < text.length()
                && Character.isLowSurrogate(text.charAt(index + 1));
    }
}
