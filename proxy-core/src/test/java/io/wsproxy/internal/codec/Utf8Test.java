package io.wsproxy.internal.codec;

import static io.wsproxy.internal.codec.Frames.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8Test {
    @Test
    void validationAgreesWithTheJdkDecoderOnRandomBytes() {
        Random random = new Random(7);
        // Bytes biased towards lead and continuation bytes near the boundaries of RFC 3629 §4.
        int[] interesting = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
                0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xfe, 0xff};
        int valid = 0;
        for (int run = 0; run < 200_000; run++) {
            byte[] bytes = new byte[random.nextInt(9)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (random.nextInt(4) == 0 ? random.nextInt(256) : interesting[random.nextInt(interesting.length)]);
            }
            boolean expected = jdkAccepts(bytes);
            valid += expected ? 1 : 0;
            assertEquals(expected, Utf8.isValid(ByteBuffer.wrap(bytes), 0, bytes.length, 0), () -> "bytes " + Arrays.toString(bytes));
            int key = random.nextInt();
            byte[] masked = mask(bytes, key);
            assertEquals(expected, Utf8.isValid(ByteBuffer.wrap(masked), 0, masked.length, key), () -> "masked " + Arrays.toString(bytes));
        }
        assertTrue(valid > 10_000, "too few valid samples: " + valid);
    }

    @Test
    void validationBoundaries() {
        assertTrue(isValid(""));
        assertTrue(isValid("7f c2 80 df bf e0 a0 80 ed 9f bf ee 80 80 ef bf bf f0 90 80 80 f4 8f bf bf"));
        assertFalse(isValid("c2"));
        assertFalse(isValid("e0 9f bf"));
        assertFalse(isValid("ed a0 80"));
        assertFalse(isValid("f0 8f bf bf"));
        assertFalse(isValid("f4 90 80 80"));
        assertFalse(isValid("c2 c2 80"));
    }

    @Test
    void encodingAgreesWithStringGetBytes() {
        Random random = new Random(11);
        char[] interesting = {'a', '\u007f', '\u0080', '\u07ff', '\u0800', '\ud7ff', '\ud800', '\udbff', '\udc00', '\udfff', '\ue000', '\uffff'};
        for (int run = 0; run < 50_000; run++) {
            char[] chars = new char[random.nextInt(12)];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = random.nextBoolean() ? (char) random.nextInt(0x10000) : interesting[random.nextInt(interesting.length)];
            }
            String text = new String(chars);
            byte[] expected = text.getBytes(StandardCharsets.UTF_8);
            ByteBuffer dst = ByteBuffer.allocate(64);
            assertEquals(expected.length, Utf8.encode(dst, text, 64), text);
            assertArrayEquals(expected, Arrays.copyOf(dst.array(), dst.position()), text);
            assertEquals(expected.length, Utf8.encodedLength(text, 64), text);
        }
    }

    @Test
    void encodingStopsAtTheLastCharacterThatFits() {
        String text = "aé€😀";
        int[] lengths = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10};
        for (int max = 0; max < lengths.length; max++) {
            ByteBuffer dst = ByteBuffer.allocate(16);
            assertEquals(lengths[max], Utf8.encode(dst, text, max), "max " + max);
            assertEquals(lengths[max], Utf8.encodedLength(text, max), "max " + max);
            assertEquals(lengths[max], dst.position());
        }
    }

    private static boolean isValid(String hex) {
        byte[] bytes = hex(hex);
        return Utf8.isValid(ByteBuffer.wrap(bytes), 0, bytes.length, 0);
    }

    private static boolean jdkAccepts(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer ignored = decoder.decode(ByteBuffer.wrap(bytes));
            return ignored != null;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static byte[] mask(byte[] bytes, int key) {
        byte[] masked = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            masked[i] = (byte) (bytes[i] ^ (key >>> (24 - 8 * (i & 3))));
        }
        return masked;
    }
}
