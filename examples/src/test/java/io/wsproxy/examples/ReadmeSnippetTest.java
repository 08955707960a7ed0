package io.wsproxy.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Keeps the top-level README.md in step with the code it shows and the flags the runner takes. */
class ReadmeSnippetTest {
    private static final Path MODULE = Path.of(System.getProperty("basedir", "."));
    private static final Path README = MODULE.resolve("../README.md");
    private static final Path EXAMPLE = MODULE.resolve("src/main/java/io/wsproxy/examples/EmbeddingExample.java");

    @Test
    void embeddingSnippetIsEmbeddingExampleVerbatim() throws IOException {
        assertSnippetIsVerbatim(EXAMPLE, 0);
    }

    @Test
    void tlsSnippetIsTlsEmbeddingExampleVerbatim() throws IOException {
        assertSnippetIsVerbatim(MODULE.resolve("src/main/java/io/wsproxy/examples/TlsEmbeddingExample.java"), 1);
    }

    /** The README's Java block number {@code index} is the code between {@code example}'s README markers. */
    private static void assertSnippetIsVerbatim(Path exampleFile, int index) throws IOException {
        String example = Files.readString(exampleFile);
        Matcher marked = Pattern.compile("\\n( *)// README:begin\\n(.*?)\\n *// README:end", Pattern.DOTALL)
                .matcher(example);
        assertTrue(marked.find(), "no README markers in " + exampleFile);
        String indent = marked.group(1);
        String snippet = marked.group(2).lines()
                .map(line -> line.startsWith(indent) ? line.substring(indent.length()) : line)
                .collect(Collectors.joining("\n"));

        List<String> readmeBlock = javaBlock(Files.readString(README), index).lines().collect(Collectors.toList());
        List<String> imports = readmeBlock.stream().filter(line -> line.startsWith("import ")).toList();
        String code = readmeBlock.stream().filter(line -> !line.startsWith("import ")).collect(Collectors.joining("\n"))
                .strip();

        assertEquals(snippet, code, "README.md's Java block " + index + " differs from " + exampleFile.getFileName());
        for (String line : imports) {
            assertTrue(example.contains(line + "\n"), exampleFile.getFileName() + " lacks " + line);
        }
    }

    @Test
    void readmeDocumentsEveryRunnerFlag() throws IOException {
        String readme = Files.readString(README);
        Matcher flags = Pattern.compile("^  (--[a-z-]+)", Pattern.MULTILINE).matcher(RunnerOptions.usage());
        int count = 0;
        while (flags.find()) {
            count++;
            assertTrue(readme.contains("`" + flags.group(1)), "README.md does not document " + flags.group(1));
        }
        assertTrue(count >= 10, "found only " + count + " flags in the usage text");
    }

    @Test
    void quickStartHasTheDemoAndTheCiCommand() throws IOException {
        String readme = Files.readString(README);
        assertTrue(readme.contains("mvn -B -q install -DskipTests && java -jar examples/target/wsproxy.jar --demo"));
        assertTrue(readme.contains("mvn -B verify"));
        assertTrue(Files.readString(MODULE.resolve("../.ci/run")).contains("mvn -B verify"));
    }

    /** Fenced Java block number {@code index} (from 0) of {@code markdown}. */
    private static String javaBlock(String markdown, int index) {
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(markdown);
        for (int i = 0; i <= index; i++) {
            assertTrue(block.find(), "README.md has no ```java block number " + index);
        }
        return block.group(1);
    }
}
