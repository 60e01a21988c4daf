package dev.annotate.spark;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on loopback, every part a JVM of its own started from the Maven classpath: Spark's
 * {@code Master} and {@code Worker}s, whose executors Spark's launcher starts from a {@code SPARK_HOME} whose
 * {@code jars/} links Spark's runtime jars (the module's provided scope, listed at build time in
 * {@code target/spark-runtime.classpath}). The application reaches the executors only as its jar in
 * {@code spark.jars}, as under spark-submit.
 */
public final class StandaloneCluster implements AutoCloseable {

    /** What spark-submit adds for Java 17 (see the shared Spark facts). */
    public static final List<String> JAVA_OPTIONS = Stream.of("java.lang", "java.lang.invoke", "java.io", "java.net",
            "java.nio", "java.util", "java.util.concurrent", "sun.nio.ch", "sun.nio.cs", "sun.security.action",
            "sun.util.calendar").map(p -> "--add-opens=java.base/" + p + "=ALL-UNNAMED").toList();

    /** Where the build lists Spark's runtime classpath, from the module's folder (the tests' working folder). */
    private static final Path CLASSPATH = Path.of("target/spark-runtime.classpath");

    private final Path classpathFile;
    private final List<Process> processes = new ArrayList<>();
    private final int port;

    private StandaloneCluster(Path classpathFile, int port) {
        this.classpathFile = classpathFile;
        this.port = port;
    }

    /** Starts a master and {@code workers} workers of {@code cores} cores each, and waits for the master. */
    static StandaloneCluster start(Path dir, int workers, int cores) throws IOException, InterruptedException {
        return start(dir, workers, cores, CLASSPATH);
    }

    /**
     * As {@link #start(Path, int, int)}, with Spark's runtime classpath listed in {@code classpathFile}
     * ({@code annotate-spark/target/spark-runtime.classpath}).
     */
    public static StandaloneCluster start(Path dir, int workers, int cores, Path classpathFile)
            throws IOException, InterruptedException {
        StandaloneCluster c = new StandaloneCluster(classpathFile, freePort());
        Path home = c.sparkHome(dir.resolve("spark-home"));
        try {
            c.processes.add(c.java(dir.resolve("master.log"), Map.of(), "org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", String.valueOf(c.port), "--webui-port",
                    String.valueOf(freePort())));
            awaitPort(c.port, Duration.ofSeconds(60));
            for (int i = 0; i < workers; i++) {
                Path work = Files.createDirectories(dir.resolve("worker-" + i));
                c.processes.add(c.java(dir.resolve("worker-" + i + ".log"), Map.of("SPARK_HOME", home.toString(),
                                "SPARK_SCALA_VERSION", "2.13"), "org.apache.spark.deploy.worker.Worker",
                        "--host", "127.0.0.1", "--cores", String.valueOf(cores), "--memory", "2g", "--webui-port",
                        String.valueOf(freePort()), "--work-dir", work.toString(), c.masterUrl()));
            }
            return c;
        } catch (IOException | RuntimeException | InterruptedException e) {
            c.close();
            throw e;
        }
    }

    public String masterUrl() {
        return "spark://127.0.0.1:" + port;
    }

    /** Spark's runtime classpath: the module's provided scope, SLF4J's API included. */
    String sparkClasspath() {
        try {
            return Files.readString(classpathFile).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(classpathFile + " is written by the build's generate-test-resources phase",
                    e);
        }
    }

    /** Starts a JVM on Spark's classpath (plus {@code extra}), its output in {@code log}. */
    Process java(Path log, Map<String, String> env, String mainClass, String... args) throws IOException {
        return java(log, env, List.of(), "", mainClass, args);
    }

    public Process java(Path log, Map<String, String> env, List<String> jvmOptions, String extraClasspath,
                 String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JAVA_OPTIONS);
        command.add("-Xmx512m");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(sparkClasspath() + (extraClasspath.isEmpty() ? "" : File.pathSeparator + extraClasspath));
        command.add(mainClass);
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** The executor JVMs the workers started, now. */
    public List<ProcessHandle> executors() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .filter(p -> p.parent().map(parent -> processes.stream().anyMatch(w -> w.pid() == parent.pid()))
                        .orElse(false))
                .toList();
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Path sparkHome(Path home) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        for (String entry : sparkClasspath().split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            Path link = jars.resolve(jar.getFileName());
            if (!Files.exists(link)) {
                Files.createSymbolicLink(link, jar.toAbsolutePath());
            }
        }
        return home;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(int port, Duration limit) throws IOException, InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IOException("the Spark master did not listen on 127.0.0.1:" + port + " within " + limit);
    }
}
