package dev.annotate.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.annotate.core.AnnotatedImage;
import dev.annotate.core.Annotation;
import dev.annotate.core.BoundingBox;
import dev.annotate.core.Detector;
import dev.annotate.core.DetectorOptions;
import dev.annotate.core.spi.FixtureDetectorProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ML backend on a free loopback port, driven by the JDK's HTTP client with requests shaped as Label Studio
 * sends them (its {@code label_studio_ml/api.py}).
 */
final class LabelStudioBackendTest {

    private static final String CONFIG = """
            <View>
              <Image name="photo" value="$img" zoom="true"/>
              <RectangleLabels name="boxes" toName="photo">
                <Label value="car" background="green"/>
                <Label value="bus"/>
              </RectangleLabels>
            </View>
            """;

    @TempDir
    Path dir;

    private Path images;
    private Detector detector;
    private LabelStudioBackend backend;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void setUp() throws IOException {
        images = Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < 6; i++) {
            ImageIO.write(new BufferedImage(40 + 10 * i, 30 + 5 * i, BufferedImage.TYPE_3BYTE_BGR), "png",
                    images.resolve("a" + i + ".png").toFile());
        }
        Files.createDirectories(images.resolve("sub dir"));
        ImageIO.write(new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR), "png",
                images.resolve("sub dir/b.png").toFile());
        Path model = Files.write(dir.resolve("m.fixture"), List.of("car 0.9 0.1 0.2 0.5 0.6",
                "tree 0.8 0.5 0.5 1 1", "car 0.4 0 0 0.25 0.25"));
        detector = new FixtureDetectorProvider().open(model, DetectorOptions.defaults().withMinScore(0.3));
    }

    @AfterEach
    void tearDown() {
        if (backend != null) {
            backend.close();
        }
        detector.close();
    }

    private LabelStudioBackend.Options options() {
        return LabelStudioBackend.Options.defaults("round-1/m.onnx").withEnvironment(Map.of(
                "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT", images.toString()));
    }

    private LabelStudioBackend start(LabelStudioBackend.Options o) throws IOException {
        backend = LabelStudioBackend.start(detector, o.withPort(0));
        return backend;
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(backend.uri().resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(backend.uri().resolve(path)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A predict request as Label Studio sends it: tasks with ids and data, the config, project and params. */
    private static String predictRequest(List<String> imageValues) {
        JsonArray tasks = new JsonArray();
        for (int i = 0; i < imageValues.size(); i++) {
            JsonObject task = new JsonObject();
            task.addProperty("id", 100 + i);
            JsonObject data = new JsonObject();
            data.addProperty("img", imageValues.get(i));
            task.add("data", data);
            task.add("annotations", new JsonArray());
            task.add("predictions", new JsonArray());
            tasks.add(task);
        }
        JsonObject request = new JsonObject();
        request.add("tasks", tasks);
        request.addProperty("model_version", "");
        request.addProperty("project", "7.1732960000");
        request.addProperty("label_config", CONFIG);
        JsonObject params = new JsonObject();
        params.addProperty("login", (String) null);
        params.addProperty("password", (String) null);
        params.add("context", JsonParser.parseString("null"));
        request.add("params", params);
        return request.toString();
    }

    private List<String> localUrls() {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            urls.add("/data/local-files/?d=a" + i + ".png");
        }
        urls.add("/data/local-files/?d=sub%20dir/b.png");
        return urls;
    }

    @Test
    void health_metrics_setup_andUnknownEndpoints() throws Exception {
        start(options());
        for (String path : List.of("/", "/health")) {
            HttpResponse<String> r = get(path);
            assertEquals(200, r.statusCode());
            assertEquals("{\"status\":\"UP\",\"model_class\":\"AnnotateDetector\"}", r.body());
        }
        assertEquals("{}", get("/metrics").body());
        HttpResponse<String> setup = post("/setup", "{\"project\": \"7.1732960000\", \"schema\": "
                + JsonParser.parseString("\"" + CONFIG.replace("\"", "\\\"").replace("\n", "\\n") + "\"")
                + ", \"hostname\": \"http://localhost:8080\", \"access_token\": \"abc\", \"model_version\": null}");
        assertEquals(200, setup.statusCode(), setup.body());
        assertEquals("{\"model_version\":\"round-1/m.onnx\"}", setup.body());

        HttpResponse<String> noBoxes = post("/setup", "{\"project\": \"7.1\", \"schema\": \"<View><Image name="
                + "\\\"i\\\" value=\\\"$image\\\"/><Choices name=\\\"c\\\" toName=\\\"i\\\"/></View>\"}");
        assertEquals(400, noBoxes.statusCode());
        assertTrue(noBoxes.body().contains("no <RectangleLabels>"), noBoxes.body());
        assertEquals(404, get("/train").statusCode());
        assertEquals(405, get("/predict").statusCode());
    }

    @Test
    void predict_answersEachTaskInOrder_withTheDetectorsBoxesInPercent_andOnlyTheConfigsLabels() throws Exception {
        start(options());
        HttpResponse<String> r = post("/predict", predictRequest(localUrls()));
        assertEquals(200, r.statusCode(), r.body());
        JsonArray results = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("results");
        assertEquals(7, results.size());
        for (int i = 0; i < 7; i++) {
            Path image = i < 6 ? images.resolve("a" + i + ".png") : images.resolve("sub dir/b.png");
            AnnotatedImage expected = detector.detect(image);
            JsonObject prediction = results.get(i).getAsJsonObject();
            assertEquals("round-1/m.onnx", prediction.get("model_version").getAsString());
            assertEquals(0.4, prediction.get("score").getAsDouble(), 1e-12, "the lowest score kept");
            JsonArray regions = prediction.getAsJsonArray("result");
            List<Annotation> cars = expected.annotations().stream().filter(a -> a.label().equals("car")).toList();
            assertEquals(cars.size(), regions.size(), "tree is not in the config: left out");
            for (int k = 0; k < cars.size(); k++) {
                JsonObject region = regions.get(k).getAsJsonObject();
                assertEquals("t" + (100 + i) + "r" + (k + 1), region.get("id").getAsString());
                assertEquals("rectanglelabels", region.get("type").getAsString());
                assertEquals("boxes", region.get("from_name").getAsString());
                assertEquals("photo", region.get("to_name").getAsString());
                assertEquals(expected.width(), region.get("original_width").getAsInt());
                assertEquals(expected.height(), region.get("original_height").getAsInt());
                assertEquals(cars.get(k).confidenceOr(0), region.get("score").getAsDouble(), 0);
                JsonObject v = region.getAsJsonObject("value");
                BoundingBox b = cars.get(k).box();
                assertEquals(100 * b.xmin() / expected.width(), v.get("x").getAsDouble(), 0);
                assertEquals(100 * b.ymin() / expected.height(), v.get("y").getAsDouble(), 0);
                assertEquals(100 * (b.xmax() - b.xmin()) / expected.width(), v.get("width").getAsDouble(), 0);
                assertEquals(100 * (b.ymax() - b.ymin()) / expected.height(), v.get("height").getAsDouble(), 0);
                assertEquals("[\"car\"]", v.get("rectanglelabels").toString());
            }
        }
    }

    @Test
    void eightConcurrentPredicts_equalSequentialOnes() throws Exception {
        start(options());
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            List<String> urls = new ArrayList<>(localUrls());
            java.util.Collections.rotate(urls, i);
            bodies.add(predictRequest(urls));
        }
        List<String> sequential = new ArrayList<>();
        for (String body : bodies) {
            sequential.add(post("/predict", body).body());
        }
        List<CompletableFuture<HttpResponse<String>>> concurrent = new ArrayList<>();
        for (String body : bodies) {
            concurrent.add(client.sendAsync(HttpRequest.newBuilder(backend.uri().resolve("/predict"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < 8; i++) {
            assertEquals(sequential.get(i), concurrent.get(i).get().body(), "request " + i);
        }
    }

    @Test
    void badJson_400_oversizedBody_413_andAFailingImage_leavesTheOtherTasksAnswered() throws Exception {
        LabelStudioBackend.Options o = options();
        start(o.withThreads(2).withMaxBodyBytes(4000));
        HttpResponse<String> bad = post("/predict", "{\"tasks\": [1, 2");
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().startsWith("{\"status\":\"error\",\"error\":\"request body is not valid JSON: "),
                bad.body());
        assertEquals(400, post("/predict", "[]").statusCode());
        HttpResponse<String> noTasks = post("/predict", "{\"label_config\": \"<View/>\"}");
        assertTrue(noTasks.body().contains("no \\\"tasks\\\" array"), noTasks.body());

        HttpResponse<String> big = post("/predict", "{\"tasks\": [], \"x\": \"" + "x".repeat(5000) + "\"}");
        assertEquals(413, big.statusCode());
        assertTrue(big.body().contains("larger than the 4000"), big.body());

        List<String> urls = List.of("/data/local-files/?d=a0.png", "/data/local-files/?d=missing.png",
                "/data/local-files/?d=../../etc/passwd", "s3://bucket/a.png", "/data/local-files/?d=a1.png");
        HttpResponse<String> r = post("/predict", predictRequest(urls));
        assertEquals(200, r.statusCode(), r.body());
        JsonArray results = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("results");
        assertEquals(5, results.size());
        List<Integer> counts = new ArrayList<>();
        results.forEach(e -> counts.add(e.getAsJsonObject().getAsJsonArray("result").size()));
        assertEquals(List.of(2, 0, 0, 0, 2), counts);
    }

    @Test
    void basicAuth_wrongOrMissing_401_right_200() throws Exception {
        start(options().withEnvironment(Map.of("BASIC_AUTH_USER", "ls", "BASIC_AUTH_PASS", "s3cret")));
        String right = "Basic " + Base64.getEncoder().encodeToString("ls:s3cret".getBytes(StandardCharsets.UTF_8));
        String wrong = "Basic " + Base64.getEncoder().encodeToString("ls:guess".getBytes(StandardCharsets.UTF_8));
        assertEquals(401, get("/health").statusCode());
        HttpResponse<String> refused = get("/health", "Authorization", wrong);
        assertEquals(401, refused.statusCode());
        assertEquals(Optional.of("Basic realm=\"annotate\""), refused.headers().firstValue("WWW-Authenticate"));
        assertEquals(401, post("/predict", predictRequest(localUrls()), "Authorization", wrong).statusCode());
        assertEquals(200, get("/health", "Authorization", right).statusCode());
        assertEquals(200, post("/predict", predictRequest(localUrls()), "Authorization", right).statusCode());
    }

    /**
     * Images Label Studio hosts are fetched from its host with the token; a URL on another host, or a redirect to
     * one, is never fetched.
     */
    @Test
    void imagesAreFetchedFromTheLabelStudioHostOnly_withItsToken() throws Exception {
        byte[] png = Files.readAllBytes(images.resolve("a2.png"));
        AtomicInteger otherHostRequests = new AtomicInteger();
        HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        other.createContext("/", exchange -> {
            otherHostRequests.incrementAndGet();
            exchange.sendResponseHeaders(200, png.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(png);
            }
        });
        List<String> tokens = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer labelStudio = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String otherUrl = "http://127.0.0.1:" + other.getAddress().getPort() + "/a.png";
        labelStudio.createContext("/", exchange -> {
            tokens.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            if (exchange.getRequestURI().getPath().equals("/data/upload/7/a2.png")) {
                exchange.sendResponseHeaders(200, png.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(png);
                }
            } else {
                exchange.getResponseHeaders().set("Location", otherUrl);
                exchange.sendResponseHeaders(302, -1);
            }
            exchange.close();
        });
        other.start();
        labelStudio.start();
        try {
            String lsUrl = "http://127.0.0.1:" + labelStudio.getAddress().getPort();
            start(LabelStudioBackend.Options.defaults("m").withEnvironment(Map.of("LABEL_STUDIO_URL", lsUrl,
                    "LABEL_STUDIO_API_KEY", "env-token")));
            HttpResponse<String> r = post("/predict", predictRequest(List.of("/data/upload/7/a2.png", otherUrl,
                    lsUrl + "/data/upload/7/a2.png", lsUrl + "/redirected.png")));
            JsonArray results = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("results");
            List<Integer> counts = new ArrayList<>();
            results.forEach(e -> counts.add(e.getAsJsonObject().getAsJsonArray("result").size()));
            assertEquals(List.of(2, 0, 2, 0), counts);
            assertEquals(0, otherHostRequests.get(), "another host is never contacted, not even by a redirect");
            assertEquals(List.of("Token env-token", "Token env-token", "Token env-token"), tokens);
            JsonElement fetched = results.get(0).getAsJsonObject().getAsJsonArray("result").get(0);
            assertEquals(detector.detect(images.resolve("a2.png")).width(),
                    fetched.getAsJsonObject().get("original_width").getAsInt());

            // a token and host given by /setup take over from the environment's
            post("/setup", "{\"project\": \"7.1\", \"hostname\": \"" + lsUrl + "\", \"access_token\": \"setup\"}");
            post("/predict", predictRequest(List.of("/data/upload/7/a2.png")));
            assertEquals("Token setup", tokens.get(tokens.size() - 1));
        } finally {
            other.stop(0);
            labelStudio.stop(0);
        }
    }

    @Test
    void webhook_startTrainingIsAnswered_otherActionsAreUnknown() throws Exception {
        start(options());
        HttpResponse<String> training = post("/webhook", "{\"action\": \"START_TRAINING\", \"project\": {\"id\": 7,"
                + " \"label_config\": \"<View/>\"}}");
        assertEquals(200, training.statusCode());
        assertTrue(training.body().contains("does not train"),
                training.body());
        HttpResponse<String> other = post("/webhook", "{\"action\": \"ANNOTATION_CREATED\", \"project\": {}}");
        assertEquals("{\"status\":\"Unknown event\"}", other.body());
    }

    /**
     * START_TRAINING with a retrainer: the project's export is downloaded from Label Studio with the token, read as
     * a dataset of the project's images, and the model the retrainer returns serves from then on; one training at a
     * time.
     */
    @Test
    void startTraining_downloadsTheExport_trains_andServesTheNewModel() throws Exception {
        String export = """
                [{"id": 1, "data": {"img": "/data/local-files/?d=a0.png"},
                  "annotations": [{"id": 9, "result": [{"id": "x", "type": "rectanglelabels", "from_name": "boxes",
                    "to_name": "photo", "original_width": 40, "original_height": 30,
                    "value": {"x": 10, "y": 10, "width": 50, "height": 50, "rotation": 0,
                              "rectanglelabels": ["bus"]}}]}]},
                 {"id": 2, "data": {"img": "/data/local-files/?d=a1.png"}, "annotations": [],
                  "predictions": [{"model_version": "round-1/m.onnx", "score": 0.4, "result": []}]}]
                """;
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer labelStudio = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        labelStudio.createContext("/", exchange -> {
            asked.add(exchange.getRequestURI() + " " + exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = export.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        labelStudio.start();
        Path busModel = Files.write(dir.resolve("bus.fixture"), List.of("bus 0.7 0.2 0.2 0.8 0.8"));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        LabelStudioBackend.Retrainer retrainer = (dataset, labels) -> {
            seen.add("labels " + labels.names());
            dataset.read((part, r) -> seen.add(r.image().map(i -> i.fileName() + " " + (i.checked() ? "checked"
                    : "unchecked") + " " + i.annotations().size()).orElse("unreadable")));
            release.await();
            return new LabelStudioBackend.Trained(new FixtureDetectorProvider().open(busModel,
                    DetectorOptions.defaults()), "round-2/m.onnx");
        };
        try {
            LabelStudioBackend.Options o = options().withEnvironment(Map.of("LABEL_STUDIO_URL",
                    "http://127.0.0.1:" + labelStudio.getAddress().getPort(), "LABEL_STUDIO_API_KEY", "k"));
            backend = LabelStudioBackend.start(detector, o.withPort(0), Optional.of(retrainer));
            String start = "{\"action\": \"START_TRAINING\", \"project\": {\"id\": 7, \"label_config\": "
                    + new com.google.gson.JsonPrimitive(CONFIG) + "}}";
            HttpResponse<String> started = post("/webhook", start);
            assertEquals(201, started.statusCode(), started.body());
            assertEquals("{\"status\":\"ok\",\"result\":\"training on project 7 started, from round-1/m.onnx\"}",
                    started.body());
            HttpResponse<String> again = post("/webhook", start);
            assertEquals(200, again.statusCode());
            assertTrue(again.body().contains("a training is under way"), again.body());
            release.countDown();
            assertTrue(backend.awaitTraining(10, java.util.concurrent.TimeUnit.MINUTES), "only a hang takes this");
            assertEquals("round-2/m.onnx", backend.modelVersion());
            assertEquals(List.of("/api/projects/7/export?exportType=JSON Token k"), asked);
            assertEquals(List.of("labels [car, tree, bus]", "a0.png checked 1", "a1.png unchecked 0"), seen);
            try (var left = Files.list(images)) {
                assertEquals(List.of(), left.filter(p -> p.getFileName().toString().endsWith(".json")).toList(),
                        "the downloaded export is removed");
            }
            JsonObject served = JsonParser.parseString(post("/predict", predictRequest(localUrls())).body())
                    .getAsJsonObject().getAsJsonArray("results").get(0).getAsJsonObject();
            assertEquals("round-2/m.onnx", served.get("model_version").getAsString());
            assertEquals("[\"bus\"]", served.getAsJsonArray("result").get(0).getAsJsonObject()
                    .getAsJsonObject("value").get("rectanglelabels").toString());
            assertEquals("{\"model_version\":\"round-2/m.onnx\"}", post("/setup", "{\"project\": \"7.1\"}").body());
        } finally {
            release.countDown();
            labelStudio.stop(0);
        }
    }

    @Test
    void options_refuseABadPort_andHideThePassword() {
        assertTrue(new LabelStudioBackend.Credentials("u", "p").toString().contains("***"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () ->
                LabelStudioBackend.Options.defaults("m").withPort(70000));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () ->
                LabelStudioBackend.Options.defaults("m").withEnvironment(Map.of("LABEL_STUDIO_URL", "ftp://x")));
        assertEquals(Optional.of(URI.create("http://ls:8080")), LabelStudioBackend.Options.defaults("m")
                .withEnvironment(Map.of("LABEL_STUDIO_URL", "http://ls:8080")).labelStudioUrl());
    }

    @Test
    void aPortInUse_isNamedInTheError() throws Exception {
        start(options());
        LabelStudioBackend.Options o = options();
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () ->
                LabelStudioBackend.start(detector, o.withPort(backend.port())));
        assertTrue(e.getMessage().contains("127.0.0.1:" + backend.port()), e.getMessage());
    }
}
