package dev.annotate.formats;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonWriter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.Detector;
import dev.annotate.core.format.SecureXml;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Label Studio ML backend: the HTTP protocol Label Studio speaks to a project's model, answered by a
 * {@link Detector}, so that a project asks for predictions while people label ({@code annotate serve}).
 *
 * <h2>Endpoints</h2>
 * As Label Studio's own {@code label_studio_ml} server answers them (checked against its {@code api.py}):
 * <ul>
 *   <li>{@code GET /health} and {@code GET /}: {@code {"status": "UP", "model_class": ...}}; {@code GET /metrics}:
 *       {@code {}}.</li>
 *   <li>{@code POST /setup} ({@code project}, {@code schema}, optionally {@code hostname} and {@code access_token}):
 *       {@code {"model_version": ...}}; a host and token given here are where images are fetched from.</li>
 *   <li>{@code POST /predict} ({@code tasks}, {@code label_config}, {@code project}, {@code params}):
 *       {@code {"results": [...]}}, one prediction per task in order, each {@code {"result": [regions],
 *       "score": lowest detection score, "model_version": ...}}, the regions as {@link LabelStudioFormat} writes
 *       them, with {@code from_name}, {@code to_name} and the data key from the labeling config's
 *       {@code <RectangleLabels>} and the {@code <Image>} it points to. Detections of labels the config does not
 *       list are left out and counted in the log. A task whose image fails gets an empty result; the error is
 *       logged and the other tasks are answered.</li>
 *   <li>{@code POST /webhook}: {@code START_TRAINING} (a project's "Start training") retrains when the backend
 *       was started with a {@link Retrainer}: it answers 201 at once, then in the background downloads the
 *       project's JSON export from Label Studio ({@code /api/projects/<id>/export}), reads it as a
 *       {@link LabelStudioFormat} dataset (the images under {@link Options#localFiles()}; the project's annotations
 *       are a person's, tasks with only predictions are left out by the trainer), trains, and from then on answers
 *       with the new model and its {@code model_version}. One training at a time; without a retrainer it answers
 *       that training is not served. Any other action: {@code {"status": "Unknown event"}}.</li>
 * </ul>
 *
 * <h2>Images</h2>
 * A task's image is read from {@link Options#localFiles()} when it is a local-files URL
 * ({@code /data/local-files/?d=...}) or a plain path and that folder is given (never outside it); otherwise it is
 * fetched from the Label Studio host ({@code /setup}'s {@code hostname}, else {@link Options#labelStudioUrl()}) with
 * {@code Authorization: Token <token>}. A URL on any other host, or of another scheme ({@code s3://}), is refused:
 * the backend fetches from no other host, and follows no redirect.
 *
 * <h2>Safe by default</h2>
 * Binds to loopback unless told; HTTP basic auth when {@link Options#basicAuth()} is set (as Label Studio's own
 * backends take {@code BASIC_AUTH_USER} and {@code BASIC_AUTH_PASS}); request bodies and image downloads bounded
 * in size (413, or that task's error); at most {@link Options#threads()} requests at once; a malformed request
 * gets 400 with a JSON {@code error} naming what was wrong.
 *
 * <p>Built on the JDK's own {@code com.sun.net.httpserver}: it ships with every Java 17 runtime (module
 * {@code jdk.httpserver}), is maintained with the JDK, and is enough for a backend Label Studio calls a few times a
 * second; it adds no dependency, and the JSON is the project's Gson.
 */
public final class LabelStudioBackend implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LabelStudioBackend.class);

    /** What {@code /health} names as the model class. */
    public static final String MODEL_CLASS = "AnnotateDetector";

    /**
     * A user name and password for HTTP basic auth.
     *
     * @param user the user name
     * @param password the password
     */
    public record Credentials(String user, String password) {
        /** Validates. */
        public Credentials {
            if (user == null || user.isEmpty() || password == null || password.isEmpty()) {
                throw new IllegalArgumentException("basic auth needs a user and a password");
            }
        }

        @Override
        public String toString() {
            return "Credentials[user=" + user + ", password=***]";
        }
    }

    /**
     * How to serve.
     *
     * @param host the address to bind; {@code 127.0.0.1} unless the backend must be reached from elsewhere
     * @param port the port; 0 for any free one ({@link LabelStudioBackend#port()} tells which)
     * @param modelVersion the {@code model_version} answered, for example {@code round-2/model.onnx}
     * @param basicAuth the credentials every request must carry, or none
     * @param localFiles the folder local-files URLs and plain paths are read under (Label Studio's
     *     {@code LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT}), or none
     * @param labelStudioUrl the Label Studio host to fetch images from until {@code /setup} names one
     * @param accessToken the token to fetch with until {@code /setup} gives one
     * @param threads requests handled at once, at least 1
     * @param maxBodyBytes the largest request body accepted
     * @param maxImageBytes the largest image fetched
     */
    public record Options(String host, int port, String modelVersion, Optional<Credentials> basicAuth,
                          Optional<Path> localFiles, Optional<URI> labelStudioUrl, Optional<String> accessToken,
                          int threads, long maxBodyBytes, long maxImageBytes) {
        /** Validates. */
        public Options {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is not 0 to 65535");
            }
            Objects.requireNonNull(modelVersion, "modelVersion");
            Objects.requireNonNull(basicAuth, "basicAuth");
            Objects.requireNonNull(localFiles, "localFiles");
            Objects.requireNonNull(labelStudioUrl, "labelStudioUrl");
            Objects.requireNonNull(accessToken, "accessToken");
            labelStudioUrl.ifPresent(LabelStudioBackend::origin);
            if (threads < 1 || maxBodyBytes < 1 || maxImageBytes < 1) {
                throw new IllegalArgumentException("threads, maxBodyBytes and maxImageBytes must be at least 1");
            }
        }

        /**
         * Loopback, port 9090, no auth, no local folder, no Label Studio host; as many threads as processors;
         * bodies up to 32 MiB, images up to 64 MiB.
         */
        public static Options defaults(String modelVersion) {
            return new Options("127.0.0.1", 9090, modelVersion, Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Runtime.getRuntime().availableProcessors(), 32L << 20, 64L << 20);
        }

        /**
         * These options with what the environment sets, as Label Studio's backends read it: {@code BASIC_AUTH_USER}
         * and {@code BASIC_AUTH_PASS}, {@code LABEL_STUDIO_URL}, {@code LABEL_STUDIO_API_KEY}, and
         * {@code LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT} when no folder is set.
         */
        public Options withEnvironment(Map<String, String> env) {
            String user = env.get("BASIC_AUTH_USER");
            String pass = env.get("BASIC_AUTH_PASS");
            String root = env.get("LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT");
            String url = env.get("LABEL_STUDIO_URL");
            String key = env.get("LABEL_STUDIO_API_KEY");
            return new Options(host, port, modelVersion,
                    user != null && !user.isEmpty() && pass != null && !pass.isEmpty()
                            ? Optional.of(new Credentials(user, pass)) : basicAuth,
                    localFiles.isPresent() || root == null || root.isBlank() ? localFiles : Optional.of(Path.of(root)),
                    url == null || url.isBlank() ? labelStudioUrl : Optional.of(URI.create(url.strip())),
                    key == null || key.isBlank() ? accessToken : Optional.of(key.strip()),
                    threads, maxBodyBytes, maxImageBytes);
        }
    }

    /** The labeling config's parts a prediction names. */
    record Schema(String fromName, String toName, String dataKey, Set<String> labels) {
    }

    /** Trains a new model when Label Studio asks ({@code START_TRAINING}). */
    @FunctionalInterface
    public interface Retrainer {
        /**
         * Trains on a project's annotations, starting from the model serving now, and opens the result.
         *
         * @param dataset the project's export, read as {@link LabelStudioFormat}; only a person's annotations count
         * @param labels the serving model's classes (ids kept), then the labeling config's others
         * @return the new model, open, and the name it answers as {@code model_version}
         * @throws Exception whatever the training met; the backend logs it and goes on with the current model
         */
        Trained retrain(dev.annotate.core.format.Dataset dataset, dev.annotate.core.LabelMap labels)
                throws Exception;
    }

    /**
     * A model a {@link Retrainer} made.
     *
     * @param detector the model, open; the backend closes it when it is replaced or the backend closes
     * @param modelVersion the name answered as {@code model_version}, for example {@code serve-rounds/round-1}
     */
    public record Trained(Detector detector, String modelVersion) {
        /** Validates. */
        public Trained {
            Objects.requireNonNull(detector, "detector");
            Objects.requireNonNull(modelVersion, "modelVersion");
        }
    }

    /** The model serving now and its version; replaced under the write lock after a training. */
    private Detector detector;
    private String modelVersion;
    private final java.util.concurrent.locks.ReadWriteLock serving =
            new java.util.concurrent.locks.ReentrantReadWriteLock();
    private final Optional<Retrainer> retrainer;
    private final ExecutorService training = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "annotate-serve-training");
        t.setDaemon(true);
        return t;
    });
    private final java.util.concurrent.atomic.AtomicBoolean trainingUnderWay =
            new java.util.concurrent.atomic.AtomicBoolean();
    /** The detector passed to start: the caller's to close; one a training made is closed here when replaced. */
    private final Detector given;
    private final Options options;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient http;
    private final Path downloads;
    /** The host and token the last {@code /setup} gave, if any. */
    private volatile Optional<URI> setupHost = Optional.empty();
    private volatile Optional<String> setupToken = Optional.empty();

    private LabelStudioBackend(Detector detector, Options options, Optional<Retrainer> retrainer) throws IOException {
        this.detector = Objects.requireNonNull(detector, "detector");
        this.given = detector;
        this.options = Objects.requireNonNull(options, "options");
        this.modelVersion = options.modelVersion();
        this.retrainer = Objects.requireNonNull(retrainer, "retrainer");
        this.downloads = Files.createTempDirectory("annotate-serve");
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10)).build();
        this.executor = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "annotate-serve");
            t.setDaemon(true);
            return t;
        });
        this.server = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 64);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
    }

    /**
     * Starts serving; returns at once. Close the backend to stop.
     *
     * @throws IOException if the address cannot be bound (the message names it)
     */
    public static LabelStudioBackend start(Detector detector, Options options) throws IOException {
        return start(detector, options, Optional.empty());
    }

    /**
     * Starts serving, retraining with {@code retrainer} when Label Studio asks; returns at once. The detector
     * passed stays the caller's to close; models a training made are closed with the backend.
     *
     * @throws IOException if the address cannot be bound (the message names it)
     */
    public static LabelStudioBackend start(Detector detector, Options options, Optional<Retrainer> retrainer)
            throws IOException {
        LabelStudioBackend backend = new LabelStudioBackend(detector, options, retrainer);
        backend.server.start();
        LOG.info("Label Studio ML backend for {} at {}", options.modelVersion(), backend.uri());
        return backend;
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Where Label Studio reaches it, for example {@code http://127.0.0.1:9090}. */
    public URI uri() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return URI.create("http://" + host + ":" + port());
    }

    /**
     * Stops serving at once: the listening socket and open connections are closed (a request under way gets no
     * answer), then the handler threads are stopped and the downloads folder removed.
     */
    @Override
    public void close() {
        server.stop(0); // the JDK's server waits out any delay given, requests or not
        executor.shutdownNow();
        training.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
            training.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        serving.writeLock().lock();
        try {
            if (detector != given) {
                detector.close();
                detector = given;
            }
        } finally {
            serving.writeLock().unlock();
        }
        try (var left = Files.list(downloads)) {
            for (Path p : left.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(downloads);
        } catch (IOException e) {
            LOG.debug("cannot remove {}", downloads, e);
        }
    }

    // ------------------------------------------------------------------ HTTP

    /** A request answered with an error status and a JSON {@code error}. */
    private static final class Refused extends Exception {
        private final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            try {
                authorize(exchange);
                String path = exchange.getRequestURI().getPath();
                String method = exchange.getRequestMethod();
                switch (path) {
                    case "/", "/health" -> {
                        expect(method, "GET");
                        JsonObject health = new JsonObject();
                        health.addProperty("status", "UP");
                        health.addProperty("model_class", MODEL_CLASS);
                        send(exchange, 200, health);
                    }
                    case "/metrics" -> {
                        expect(method, "GET");
                        send(exchange, 200, new JsonObject());
                    }
                    case "/setup" -> {
                        expect(method, "POST");
                        send(exchange, 200, setup(body(exchange)));
                    }
                    case "/predict" -> {
                        expect(method, "POST");
                        JsonObject request = body(exchange);
                        sendRaw(exchange, 200, predict(request));
                    }
                    case "/webhook" -> {
                        expect(method, "POST");
                        JsonObject answer = webhook(body(exchange));
                        send(exchange, answer.get("status").getAsString().equals("ok") ? 201 : 200, answer);
                    }
                    default -> throw new Refused(404, "no endpoint " + path + "; there are /health, /metrics,"
                            + " /setup, /predict and /webhook");
                }
            } catch (Refused r) {
                JsonObject error = new JsonObject();
                error.addProperty("status", "error");
                error.addProperty("error", r.getMessage());
                if (r.status == 401) {
                    exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"annotate\"");
                }
                send(exchange, r.status, error);
            } catch (RuntimeException e) {
                LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                JsonObject error = new JsonObject();
                error.addProperty("status", "error");
                error.addProperty("error", "internal error: " + e);
                send(exchange, 500, error);
            }
        }
    }

    private void authorize(HttpExchange exchange) throws Refused {
        if (options.basicAuth().isEmpty()) {
            return;
        }
        Credentials c = options.basicAuth().get();
        byte[] expected = ("Basic " + Base64.getEncoder().encodeToString((c.user() + ":" + c.password())
                .getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        if (given == null || !MessageDigest.isEqual(expected, given.strip().getBytes(StandardCharsets.UTF_8))) {
            throw new Refused(401, "unauthorized: this backend needs HTTP basic auth (BASIC_AUTH_USER)");
        }
    }

    private static void expect(String method, String allowed) throws Refused {
        if (!method.equals(allowed)) {
            throw new Refused(405, method + " is not allowed here; use " + allowed);
        }
    }

    /** The request body as a JSON object, at most {@link Options#maxBodyBytes()} bytes. */
    private JsonObject body(HttpExchange exchange) throws Refused, IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > options.maxBodyBytes()) {
                    throw new Refused(413, "request body of " + length.strip() + " bytes is larger than the "
                            + options.maxBodyBytes() + " this backend accepts");
                }
            } catch (NumberFormatException e) {
                throw new Refused(400, "Content-Length '" + length + "' is not a number");
            }
        }
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, options.maxBodyBytes() + 1));
        }
        if (bytes.length > options.maxBodyBytes()) {
            throw new Refused(413, "request body is larger than the " + options.maxBodyBytes()
                    + " bytes this backend accepts");
        }
        try {
            JsonElement json = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
            if (!json.isJsonObject()) {
                throw new Refused(400, "request body is not a JSON object");
            }
            return json.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new Refused(400, "request body is not valid JSON: " + DatasetFiles.syntaxMessage(e));
        }
    }

    private static void send(HttpExchange exchange, int status, JsonElement body) throws IOException {
        sendRaw(exchange, status, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void sendRaw(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    // ------------------------------------------------------------------ endpoints

    private JsonObject setup(JsonObject request) throws Refused {
        String hostname = string(request, "hostname");
        if (!hostname.isEmpty()) {
            try {
                URI host = URI.create(hostname.strip());
                origin(host);
                setupHost = Optional.of(host);
            } catch (IllegalArgumentException e) {
                throw new Refused(400, "hostname '" + hostname + "' is not an http(s) URL: " + e.getMessage());
            }
        }
        String token = string(request, "access_token");
        if (!token.isEmpty()) {
            setupToken = Optional.of(token);
        }
        if (request.has("schema") && !string(request, "schema").isEmpty()) {
            schema(string(request, "schema")); // a config without rectangles is refused now, not at the first predict
        }
        JsonObject answer = new JsonObject();
        answer.addProperty("model_version", modelVersion());
        return answer;
    }

    /** The version of the model serving now: {@link Options#modelVersion()} until a training replaced it. */
    public String modelVersion() {
        serving.readLock().lock();
        try {
            return modelVersion;
        } finally {
            serving.readLock().unlock();
        }
    }

    /**
     * Waits until the training asked for before this call, if any, has ended: its model serves, or it failed and
     * the model before it still does. For an application that must know (before it stops the backend, say).
     *
     * @return false if it had not ended within the timeout
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public boolean awaitTraining(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            training.submit(() -> { }).get(timeout, unit); // one training thread: runs after the one under way
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException | RejectedExecutionException e) {
            return true; // a stopped backend trains no more
        }
    }

    private JsonObject webhook(JsonObject request) throws Refused {
        String action = string(request, "action");
        JsonObject answer = new JsonObject();
        if (!action.equals("START_TRAINING")) {
            answer.addProperty("status", "Unknown event");
            return answer;
        }
        if (retrainer.isEmpty()) {
            answer.addProperty("status", "error");
            answer.addProperty("error", "this backend does not train; export the project as JSON, then run"
                    + " annotate train --data export.json --format labelstudio --init " + modelVersion()
                    + " and serve the new model");
            return answer;
        }
        JsonObject project = request.get("project") instanceof JsonObject p ? p : new JsonObject();
        String id = project.get("id") instanceof JsonPrimitive p ? p.getAsString() : "";
        if (!id.matches("[0-9]+")) {
            throw new Refused(400, "START_TRAINING names no project id (project.id)");
        }
        Schema schema = schema(string(project, "label_config"));
        if (options.localFiles().isEmpty()) {
            throw new Refused(400, "training needs the project's images on this disk: start the backend with"
                    + " --local-files (Label Studio's local-files document root)");
        }
        if (!trainingUnderWay.compareAndSet(false, true)) {
            answer.addProperty("status", "error");
            answer.addProperty("error", "a training is under way; ask again when it is done");
            return answer;
        }
        training.execute(() -> {
            try {
                train(id, schema);
            } catch (Exception | Error e) {
                LOG.error("training on project {} failed; still serving {}", id, modelVersion(), e);
            } finally {
                trainingUnderWay.set(false);
            }
        });
        answer.addProperty("status", "ok");
        answer.addProperty("result", "training on project " + id + " started, from " + modelVersion());
        return answer;
    }

    /** Downloads project {@code id}'s export beside its images, trains on it, and serves the new model. */
    private void train(String id, Schema schema) throws Exception {
        Path root = options.localFiles().get().toAbsolutePath().normalize();
        Path export = root.resolve(".annotate-serve-project-" + id + ".json");
        try {
            download(projectUrl(id), export);
            dev.annotate.core.LabelMap labels;
            serving.readLock().lock();
            try {
                labels = detector.labelMap();
            } finally {
                serving.readLock().unlock();
            }
            for (String name : new java.util.TreeSet<>(schema.labels())) {
                if (labels.byName(name).isEmpty()) {
                    labels = labels.withAppended(name);
                }
            }
            LabelStudioFormat format = new LabelStudioFormat(new LabelStudioFormat.Settings(
                    LabelStudioFormat.LOCAL_FILES, schema.dataKey(), schema.fromName(), schema.toName()));
            LOG.info("training on project {} ({} classes) from {}", id, labels.size(), modelVersion());
            Trained next = retrainer.get().retrain(dev.annotate.core.format.Dataset.of(export, format, labels),
                    labels);
            serving.writeLock().lock();
            try {
                if (detector != given) {
                    detector.close(); // the previous trained model: no request holds it now
                }
                detector = next.detector();
                modelVersion = next.modelVersion();
            } finally {
                serving.writeLock().unlock();
            }
            LOG.info("now serving {}", next.modelVersion());
        } finally {
            Files.deleteIfExists(export);
        }
    }

    private URI projectUrl(String id) throws IOException {
        URI host = setupHost.or(options::labelStudioUrl).orElseThrow(() -> new IOException("no Label Studio host"
                + " to download the project from: set LABEL_STUDIO_URL"));
        return host.resolve("/api/projects/" + id + "/export?exportType=JSON");
    }

    private byte[] predict(JsonObject request) throws Refused, IOException {
        if (!(request.get("tasks") instanceof JsonArray tasks)) {
            throw new Refused(400, "request has no \"tasks\" array");
        }
        if (!(request.get("label_config") instanceof JsonPrimitive config) || !config.isString()) {
            throw new Refused(400, "request has no \"label_config\" (the project's labeling config)");
        }
        Schema schema = schema(config.getAsString());
        LabelStudioFormat.Settings names = new LabelStudioFormat.Settings("", schema.dataKey(), schema.fromName(),
                schema.toName());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        JsonWriter json = new JsonWriter(new OutputStreamWriter(bytes, StandardCharsets.UTF_8));
        json.beginObject().name("results").beginArray();
        Map<String, Integer> leftOut = new TreeMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            JsonElement task = tasks.get(i);
            String id = task instanceof JsonObject o && o.get("id") instanceof JsonPrimitive p ? p.getAsString()
                    : Integer.toString(i + 1);
            AnnotatedImage result;
            try {
                result = keepLabels(detect(task, schema), schema, leftOut);
            } catch (IOException | RuntimeException | Refused e) {
                LOG.warn("task {}: {}", id, e.getMessage() == null ? e.toString() : e.getMessage());
                LOG.debug("task {}", id, e);
                result = null;
            }
            if (result == null) {
                json.beginObject().name("result").beginArray().endArray().name("score").value(0)
                        .name("model_version").value(modelVersion()).endObject();
            } else {
                LabelStudioFormat.writePrediction(json, result, names, "t" + id + "r");
            }
        }
        json.endArray().endObject();
        json.close();
        if (!leftOut.isEmpty()) {
            LOG.info("left out detections of labels the labeling config does not list: {}", leftOut);
        }
        return bytes.toByteArray();
    }

    private AnnotatedImage detect(JsonElement task, Schema schema) throws IOException, Refused {
        if (!(task instanceof JsonObject o) || !(o.get("data") instanceof JsonObject data)
                || !(data.get(schema.dataKey()) instanceof JsonPrimitive value) || !value.isString()) {
            throw new Refused(400, "has no data." + schema.dataKey() + " naming its image");
        }
        String reference = value.getAsString().strip();
        Optional<Path> local = local(reference);
        if (local.isPresent()) {
            return detect(local.get());
        }
        Path downloaded = fetch(reference);
        try {
            return detect(downloaded);
        } finally {
            Files.deleteIfExists(downloaded);
        }
    }

    /** Runs the model serving now, which a training does not replace meanwhile. */
    private AnnotatedImage detect(Path image) throws IOException {
        serving.readLock().lock();
        try {
            return detector.detect(image).withPredictedBy(Optional.of(modelVersion));
        } finally {
            serving.readLock().unlock();
        }
    }

    private static AnnotatedImage keepLabels(AnnotatedImage image, Schema schema, Map<String, Integer> leftOut) {
        if (schema.labels().isEmpty()) {
            return image;
        }
        List<Annotation> kept = new ArrayList<>();
        for (Annotation a : image.annotations()) {
            if (schema.labels().contains(a.label())) {
                kept.add(a);
            } else {
                leftOut.merge(a.label(), 1, Integer::sum);
            }
        }
        return image.withAnnotations(kept);
    }

    // ------------------------------------------------------------------ images

    /** The image on this disk a reference names under {@link Options#localFiles()}, if it is one. */
    private Optional<Path> local(String reference) throws Refused {
        if (options.localFiles().isEmpty()) {
            return Optional.empty();
        }
        String relative;
        if (reference.startsWith(LabelStudioFormat.LOCAL_FILES)) {
            relative = URLDecoder.decode(reference.substring(LabelStudioFormat.LOCAL_FILES.length()),
                    StandardCharsets.UTF_8);
        } else if (reference.contains("://") || reference.startsWith("/data/")) {
            return Optional.empty(); // a URL, or Label Studio's own (uploads): fetched
        } else {
            relative = reference;
        }
        Path root = options.localFiles().get().toAbsolutePath().normalize();
        try {
            Path p = root.resolve(relative).normalize();
            if (!p.startsWith(root)) {
                throw new Refused(403, "image '" + reference + "' is outside " + root);
            }
            return Optional.of(p);
        } catch (InvalidPathException e) {
            throw new Refused(400, "image '" + reference + "' is not a path: " + e.getMessage());
        }
    }

    /** Downloads a Label Studio-hosted image into a temporary file, refusing any other host. */
    private Path fetch(String reference) throws IOException, Refused {
        Optional<URI> host = setupHost.or(options::labelStudioUrl);
        URI url;
        try {
            url = reference.startsWith("/") ? host.map(h -> h.resolve(reference)).orElseThrow(() -> new Refused(400,
                    "image '" + reference + "' is on Label Studio, and no Label Studio host is known: set"
                            + " LABEL_STUDIO_URL (or give --local-files)")) : URI.create(reference);
        } catch (IllegalArgumentException e) {
            throw new Refused(400, "image '" + reference + "' is not a URL: " + e.getMessage());
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Refused(400, "image '" + reference + "': " + (scheme.isEmpty() ? "a path" : scheme + " URLs")
                    + " are not read; this backend reads files under --local-files and fetches from the Label"
                    + " Studio host only");
        }
        if (host.isEmpty() || !origin(host.get()).equals(origin(url))) {
            throw new Refused(403, "image URL " + url + " is not on the Label Studio host"
                    + host.map(h -> " " + origin(h)).orElse(" (none is known)") + "; this backend fetches from no other"
                    + " host");
        }
        String name = url.getPath() == null ? "" : url.getPath();
        String extension = name.lastIndexOf('.') > name.lastIndexOf('/') ? name.substring(name.lastIndexOf('.'))
                .replaceAll("[^A-Za-z0-9.]", "") : "";
        Path file = Files.createTempFile(downloads, "image", extension.length() <= 6 ? extension : "");
        try {
            download(url, file);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return file;
    }

    /**
     * GETs {@code url} (on the Label Studio host: the callers check) into {@code file} with the token, at most
     * {@link Options#maxImageBytes()} bytes for an image, 16 times that for a project export.
     */
    private void download(URI url, Path file) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(5)).GET();
        setupToken.or(options::accessToken).ifPresent(t -> request.header("Authorization", "Token " + t));
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted fetching " + url);
        }
        long limit = url.getPath().startsWith("/api/") ? 16 * options.maxImageBytes() : options.maxImageBytes();
        try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(file)) {
            if (response.statusCode() != 200) {
                throw new IOException(url + " answered HTTP " + response.statusCode());
            }
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                total += n;
                if (total > limit) {
                    throw new IOException(url + " is larger than the " + limit + " bytes this backend fetches");
                }
                out.write(buffer, 0, n);
            }
        }
    }

    /** {@code scheme://host:port} of an http(s) URL, the port made explicit. */
    static String origin(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException(url + " is not an http(s) URL with a host");
        }
        int port = url.getPort() >= 0 ? url.getPort() : scheme.equals("https") ? 443 : 80;
        return scheme + "://" + url.getHost().toLowerCase(Locale.ROOT) + ":" + port;
    }

    // ------------------------------------------------------------------ labeling config

    /**
     * The {@code <RectangleLabels>} of a labeling config (the first), its labels, and the {@code <Image>} it
     * points to with that image's data key.
     */
    private static Schema schema(String config) throws Refused {
        String xml = config.strip();
        if (xml.startsWith("<?xml")) {
            xml = xml.substring(xml.indexOf("?>") + 2);
        }
        List<Element> roots;
        try {
            roots = SecureXml.fromFragment(xml);
        } catch (IOException | RuntimeException e) {
            throw new Refused(400, "label_config is not well-formed XML: " + e.getMessage());
        }
        Element rectangles = null;
        List<Element> images = new ArrayList<>();
        for (Element root : roots) {
            for (Element e : descendants(root)) {
                String tag = e.getTagName();
                if (rectangles == null && tag.equals("RectangleLabels")) {
                    rectangles = e;
                } else if (tag.equals("Image")) {
                    images.add(e);
                }
            }
        }
        if (rectangles == null) {
            throw new Refused(400, "label_config has no <RectangleLabels>: this backend predicts boxes");
        }
        String fromName = rectangles.getAttribute("name");
        String toName = rectangles.getAttribute("toName");
        Element image = images.stream().filter(i -> i.getAttribute("name").equals(toName)).findFirst()
                .orElseThrow(() -> new Refused(400, "label_config's <RectangleLabels name=\"" + fromName
                        + "\"> points to toName=\"" + toName + "\", and no <Image> has that name"));
        String value = image.getAttribute("value").strip();
        if (!value.startsWith("$") || value.length() < 2) {
            throw new Refused(400, "label_config's <Image name=\"" + toName + "\"> has value=\"" + value
                    + "\", not $key");
        }
        Set<String> labels = new LinkedHashSet<>();
        for (Element e : descendants(rectangles)) {
            if (e.getTagName().equals("Label") && !e.getAttribute("value").isEmpty()) {
                labels.add(e.getAttribute("value"));
            }
        }
        if (fromName.isEmpty()) {
            throw new Refused(400, "label_config's <RectangleLabels> has no name");
        }
        return new Schema(fromName, toName, value.substring(1), Set.copyOf(labels));
    }

    /** An element and every element under it, in document order. */
    private static List<Element> descendants(Element root) {
        List<Element> out = new ArrayList<>();
        out.add(root);
        NodeList all = root.getElementsByTagName("*");
        for (int i = 0; i < all.getLength(); i++) {
            out.add((Element) all.item(i));
        }
        return out;
    }

    private static String string(JsonObject o, String member) {
        return o.get(member) instanceof JsonPrimitive p && p.isString() ? p.getAsString() : "";
    }
}
