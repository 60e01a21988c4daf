package dev.annotate.core.format;

import dev.annotate.core.FormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Text annotation files (YOLO lines, COCO JSON, class lists) as UTF-8, with the errors a person can act on: a
 * file that is not UTF-8 is named with the byte offset where decoding fails, and a file too large for its kind is
 * refused before it is read.
 */
public final class TextFiles {

    private TextFiles() {
    }

    /**
     * The whole file decoded as UTF-8.
     *
     * @param maxBytes the largest file of this kind that makes sense; larger ones are refused unread
     * @throws FormatException naming the file and the byte offset for bytes that are not UTF-8, or the size
     */
    public static String readUtf8(Path file, long maxBytes) throws IOException {
        long size = Files.size(file);
        if (size > maxBytes) {
            throw new FormatException(file, null, "file of " + size + " bytes is larger than " + maxBytes
                    + " bytes, more than a file of this kind holds");
        }
        Optional<String> text = decodeUtf8(Files.readAllBytes(file));
        if (text.isEmpty()) {
            long at = firstUndecodable(file).orElse(0);
            throw new FormatException(file, "byte offset " + at, "not UTF-8 text");
        }
        return text.get();
    }

    /** Bytes decoded as UTF-8, strictly; empty when some byte sequence is not UTF-8. */
    public static Optional<String> decodeUtf8(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return Optional.of(decoder.decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /** Where the first byte sequence of {@code file} that is not UTF-8 starts; empty when it all decodes. */
    public static OptionalLong firstUndecodable(Path file) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
        CharBuffer chars = CharBuffer.allocate(1 << 14);
        ByteBuffer bytes = ByteBuffer.allocate(1 << 16);
        long consumed = 0;
        try (ReadableByteChannel in = Files.newByteChannel(file)) {
            boolean end = false;
            while (!end) {
                end = in.read(bytes) < 0;
                bytes.flip();
                while (true) {
                    int before = bytes.position();
                    CoderResult r = decoder.decode(bytes, chars, end);
                    consumed += bytes.position() - before;
                    if (r.isError()) {
                        return OptionalLong.of(consumed);
                    }
                    chars.clear();
                    if (!r.isOverflow()) {
                        break;
                    }
                }
                bytes.compact();
            }
            chars.clear();
            if (decoder.flush(chars).isError()) {
                return OptionalLong.of(consumed);
            }
        }
        return OptionalLong.empty();
    }
}
