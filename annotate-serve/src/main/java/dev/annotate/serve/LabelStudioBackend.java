package dev.annotate.serve;

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
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.Dataset;
import dev.annotate.formats.LabelStudioFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

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
     * How to serve: {@link #defaults(String)}, changed with the {@code withX} methods.
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
            labelStudioUrl.ifPresent(LabelStudioHost::origin);
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

        /** These options with the address to bind. */
        public Options withHost(String value) {
            return new Options(value, port, modelVersion, basicAuth, localFiles, labelStudioUrl, accessToken,
                    threads, maxBodyBytes, maxImageBytes);
        }

        /** These options with the port (0 for any free one). */
        public Options withPort(int value) {
            return new Options(host, value, modelVersion, basicAuth, localFiles, labelStudioUrl, accessToken,
                    threads, maxBodyBytes, maxImageBytes);
        }

        /** These options with the credentials every request must carry. */
        public Options withBasicAuth(Credentials value) {
            return new Options(host, port, modelVersion, Optional.of(value), localFiles, labelStudioUrl, accessToken,
                    threads, maxBodyBytes, maxImageBytes);
        }

        /** These options with the folder local-files URLs and plain paths are read under. */
        public Options withLocalFiles(Path value) {
            return new Options(host, port, modelVersion, basicAuth, Optional.of(value), labelStudioUrl, accessToken,
                    threads, maxBodyBytes, maxImageBytes);
        }

        /** These options with the Label Studio host to fetch images from until {@code /setup} names one. */
        public Options withLabelStudioUrl(URI value) {
            return new Options(host, port, modelVersion, basicAuth, localFiles, Optional.of(value), accessToken,
                    threads, maxBodyBytes, maxImageBytes);
        }

        /** These options with the token to fetch with until {@code /setup} gives one. */
        public Options withAccessToken(String value) {
            return new Options(host, port, modelVersion, basicAuth, localFiles, labelStudioUrl, Optional.of(value),
                    threads, maxBodyBytes, maxImageBytes);
        }

        /** These options with requests handled at once. */
        public Options withThreads(int value) {
            return new Options(host, port, modelVersion, basicAuth, localFiles, labelStudioUrl, accessToken, value,
                    maxBodyBytes, maxImageBytes);
        }

        /** These options with the largest request body accepted. */
        public Options withMaxBodyBytes(long value) {
            return new Options(host, port, modelVersion, basicAuth, localFiles, labelStudioUrl, accessToken, threads,
                    value, maxImageBytes);
        }

        /** These options with the largest image fetched. */
        public Options withMaxImageBytes(long value) {
            return new Options(host, port, modelVersion, basicAuth, localFiles, labelStudioUrl, accessToken, threads,
                    maxBodyBytes, value);
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
        Trained retrain(Dataset dataset, LabelMap labels)
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

    private final Options options;
    private final ServingModel model;
    private final LabelStudioHost host;
    private final TaskImages images;
    private final Optional<ProjectTraining> training;
    private final ExecutorService executor;
    private final HttpServer server;

    private LabelStudioBackend(Detector detector, Options options, Optional<Retrainer> retrainer) throws IOException {
        this.options = Objects.requireNonNull(options, "options");
        this.model = new ServingModel(detector, options.modelVersion());
        this.host = new LabelStudioHost(options.labelStudioUrl(), options.accessToken());
        this.images = new TaskImages(options.localFiles(), host, options.maxImageBytes());
        this.training = retrainer.map(r -> new ProjectTraining(r, model, host, options.localFiles(),
                16 * options.maxImageBytes()));
        this.executor = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "annotate-serve");
            t.setDaemon(true);
            return t;
        });
        try {
            this.server = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 64);
        } catch (IOException e) {
            executor.shutdownNow();
            images.close();
            throw new IOException("cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(),
                    e);
        }
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
        training.ifPresent(ProjectTraining::close);
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        model.close();
        images.close();
    }

    // ------------------------------------------------------------------ HTTP

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
                if (r.status() == 401) {
                    exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"annotate\"");
                }
                send(exchange, r.status(), error);
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
            throw new Refused(400, "request body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
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
        host.setup(string(request, "hostname"), string(request, "access_token"));
        if (request.has("schema") && !string(request, "schema").isEmpty()) {
            LabelingConfig.parse(string(request, "schema")); // one without rectangles is refused now, not at predict
        }
        JsonObject answer = new JsonObject();
        answer.addProperty("model_version", modelVersion());
        return answer;
    }

    /** The version of the model serving now: {@link Options#modelVersion()} until a training replaced it. */
    public String modelVersion() {
        return model.version();
    }

    /**
     * Waits until the training asked for before this call, if any, has ended: its model serves, or it failed and
     * the model before it still does. For an application that must know (before it stops the backend, say).
     *
     * @return false if it had not ended within the timeout
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public boolean awaitTraining(long timeout, TimeUnit unit) throws InterruptedException {
        return training.isEmpty() || training.get().await(timeout, unit);
    }

    private JsonObject webhook(JsonObject request) throws Refused {
        String action = string(request, "action");
        JsonObject answer = new JsonObject();
        if (!action.equals("START_TRAINING")) {
            answer.addProperty("status", "Unknown event");
            return answer;
        }
        if (training.isEmpty()) {
            answer.addProperty("status", "error");
            answer.addProperty("error", "this backend serves " + modelVersion() + " and does not train: train a"
                    + " model on the project's JSON export, then serve it");
            return answer;
        }
        JsonObject project = request.get("project") instanceof JsonObject p ? p : new JsonObject();
        String id = project.get("id") instanceof JsonPrimitive p ? p.getAsString() : "";
        if (!id.matches("[0-9]+")) {
            throw new Refused(400, "START_TRAINING names no project id (project.id)");
        }
        if (!training.get().start(id, LabelingConfig.parse(string(project, "label_config")))) {
            answer.addProperty("status", "error");
            answer.addProperty("error", "a training is under way; ask again when it is done");
            return answer;
        }
        answer.addProperty("status", "ok");
        answer.addProperty("result", "training on project " + id + " started, from " + modelVersion());
        return answer;
    }

    private byte[] predict(JsonObject request) throws Refused, IOException {
        if (!(request.get("tasks") instanceof JsonArray tasks)) {
            throw new Refused(400, "request has no \"tasks\" array");
        }
        if (!(request.get("label_config") instanceof JsonPrimitive config) || !config.isString()) {
            throw new Refused(400, "request has no \"label_config\" (the project's labeling config)");
        }
        LabelingConfig schema = LabelingConfig.parse(config.getAsString());
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

    private AnnotatedImage detect(JsonElement task, LabelingConfig schema) throws IOException, Refused {
        if (!(task instanceof JsonObject o) || !(o.get("data") instanceof JsonObject data)
                || !(data.get(schema.dataKey()) instanceof JsonPrimitive value) || !value.isString()) {
            throw new Refused(400, "has no data." + schema.dataKey() + " naming its image");
        }
        try (TaskImages.Image image = images.open(value.getAsString().strip())) {
            return model.detect(image.path());
        }
    }

    private static AnnotatedImage keepLabels(AnnotatedImage image, LabelingConfig schema,
                                             Map<String, Integer> leftOut) {
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

    private static String string(JsonObject o, String member) {
        return o.get(member) instanceof JsonPrimitive p && p.isString() ? p.getAsString() : "";
    }
}
