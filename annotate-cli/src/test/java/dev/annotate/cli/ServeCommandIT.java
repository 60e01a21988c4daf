package dev.annotate.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.annotate.onnx.Fixtures;
import dev.annotate.synthetic.SyntheticDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code annotate serve} as a user starts it, in its own process: Label Studio's predict request for the tasks
 * {@code predict --format labelstudio} wrote gets the same regions that file holds.
 */
final class ServeCommandIT {

    @TempDir
    Path dir;

    @Test
    void serve_answersPredictWithTheRegionsPredictWrites() throws Exception {
        Path images = dir.resolve("images");
        SyntheticDataset.generate(images, SyntheticDataset.Options.defaults(6, 5).withSides(320, 480)
                .withExifShare(0.1));
        Path model = Files.write(dir.resolve("model.onnx"), Fixtures.yolov8(640));
        assertEquals(0, Annotate.execute(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
                "predict", "--model", model.toString(), "--images", images.toString(), "--format", "labelstudio",
                "--min-score", "0.3"));
        JsonArray tasks = JsonParser.parseString(Files.readString(images.resolve("tasks.json"))).getAsJsonArray();
        TreeSet<String> labels = new TreeSet<>();
        for (JsonElement t : tasks) {
            for (JsonElement region : prediction(t.getAsJsonObject()).getAsJsonArray("result")) {
                labels.add(region.getAsJsonObject().getAsJsonObject("value").getAsJsonArray("rectanglelabels")
                        .get(0).getAsString());
            }
        }
        assertTrue(!labels.isEmpty(), "the model found something to compare");
        StringBuilder config = new StringBuilder("<View><Image name=\"image\" value=\"$image\"/>"
                + "<RectangleLabels name=\"label\" toName=\"image\">");
        labels.forEach(l -> config.append("<Label value=\"").append(l).append("\"/>"));
        config.append("</RectangleLabels></View>");

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process server = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Annotate.class.getName(), "serve", "--model", model.toString(), "--port", "0", "--local-files",
                images.toString(), "--min-score", "0.3").redirectError(dir.resolve("serve.err").toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            String first = out.readLine();
            assertTrue(first != null && first.startsWith("serving " + dir.getFileName() + "/model.onnx as a Label"
                    + " Studio ML backend at http://127.0.0.1:"), first + "\n" + Files.readString(dir.resolve(
                    "serve.err")));
            URI uri = URI.create(first.substring(first.indexOf("http://")).split(" ")[0]);
            HttpClient client = HttpClient.newHttpClient();
            assertEquals(200, client.send(HttpRequest.newBuilder(uri.resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());

            JsonObject request = new JsonObject();
            JsonArray asked = new JsonArray();
            for (int i = 0; i < tasks.size(); i++) {
                JsonObject task = new JsonObject();
                task.addProperty("id", i + 1);
                task.add("data", tasks.get(i).getAsJsonObject().get("data"));
                asked.add(task);
            }
            request.add("tasks", asked);
            request.addProperty("label_config", config.toString());
            request.addProperty("project", "1.1732960000");
            request.add("params", new JsonObject());
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri.resolve("/predict"))
                    .POST(HttpRequest.BodyPublishers.ofString(request.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonArray results = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("results");
            assertEquals(tasks.size(), results.size());
            for (int i = 0; i < tasks.size(); i++) {
                JsonObject written = prediction(tasks.get(i).getAsJsonObject());
                JsonObject served = results.get(i).getAsJsonObject();
                assertEquals(written.get("model_version"), served.get("model_version"));
                assertEquals(written.get("score"), served.get("score"));
                assertEquals(withoutIds(written.getAsJsonArray("result")), withoutIds(served.getAsJsonArray("result")),
                        "task " + i);
            }
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Label Studio's "Start training": the project's export (here what {@code convert} makes of the checked VOC
     * files, served as Label Studio serves it) trains the next round from the serving model, which then serves.
     */
    @Test
    void serve_startTraining_warmStartsOnTheProjectsAnnotations_andServesTheNewRound() throws Exception {
        Path images = dir.resolve("images");
        SyntheticDataset.generate(images, SyntheticDataset.Options.defaults(12, 9).withSides(160, 480)
                .withExifShare(0.25));
        PrintWriter quiet = new PrintWriter(new StringWriter());
        assertEquals(0, Annotate.execute(quiet, quiet, "train", "--voc", images.toString(), "--labels",
                images.resolve("label_map.pbtxt").toString(), "--out", dir.resolve("m").toString(), "--steps", "3",
                "--backbone", "primitive"));
        // as Label Studio exports the project: images under its local-files root, which is the images folder
        assertEquals(0, Annotate.execute(quiet, quiet, "convert", "--from", "voc", "--to", "labelstudio", "--in",
                images.toString(), "--out", images.resolve("export.json").toString()));
        byte[] export = Files.readAllBytes(images.resolve("export.json"));
        java.util.List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer labelStudio = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        labelStudio.createContext("/", exchange -> {
            asked.add(exchange.getRequestURI() + " " + exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.sendResponseHeaders(200, export.length);
            try (java.io.OutputStream out = exchange.getResponseBody()) {
                out.write(export);
            }
        });
        labelStudio.start();
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder command = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                Annotate.class.getName(), "serve", "--model", dir.resolve("m/model.onnx").toString(), "--port", "0",
                "--local-files", images.toString(), "--train-steps", "3", "--train-out", dir.resolve("rounds")
                .toString()).redirectError(dir.resolve("serve.err").toFile());
        command.environment().put("LABEL_STUDIO_URL", "http://127.0.0.1:" + labelStudio.getAddress().getPort());
        command.environment().put("LABEL_STUDIO_API_KEY", "tok");
        Process server = command.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            String first = out.readLine();
            assertTrue(first != null && first.contains(" at http://"), first + "\n"
                    + Files.readString(dir.resolve("serve.err")));
            URI uri = URI.create(first.substring(first.indexOf("http://")).split(" ")[0]);
            HttpClient client = HttpClient.newHttpClient();
            JsonObject project = new JsonObject();
            project.addProperty("id", 3);
            project.addProperty("label_config", "<View><Image name=\"image\" value=\"$image\"/><RectangleLabels"
                    + " name=\"label\" toName=\"image\"><Label value=\"circle\"/></RectangleLabels></View>");
            JsonObject webhook = new JsonObject();
            webhook.addProperty("action", "START_TRAINING");
            webhook.add("project", project);
            HttpResponse<String> started = client.send(HttpRequest.newBuilder(uri.resolve("/webhook"))
                    .POST(HttpRequest.BodyPublishers.ofString(webhook.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, started.statusCode(), started.body());

            // the server says when the round is trained (after "images: ..." and any progress lines); no clock
            String trained = out.readLine();
            while (trained != null && !trained.startsWith("round-1:")) {
                trained = out.readLine();
            }
            assertTrue(trained != null && trained.startsWith("round-1: trained on 12 images in 3 steps; serving "),
                    trained + "\n" + Files.readString(dir.resolve("serve.err")));
            // the new model serves right after that line (the backend swaps it in as the retrainer returns)
            String version = "";
            while (!version.equals("round-1/model.onnx") && server.isAlive()) {
                version = JsonParser.parseString(client.send(HttpRequest.newBuilder(uri.resolve("/setup"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"project\": \"3.1\"}")).build(),
                        HttpResponse.BodyHandlers.ofString()).body()).getAsJsonObject().get("model_version")
                        .getAsString();
            }
            assertEquals("round-1/model.onnx", version, Files.readString(dir.resolve("serve.err")));
            assertEquals(java.util.List.of("/api/projects/3/export?exportType=JSON Token tok"), asked);
            assertTrue(Files.isRegularFile(dir.resolve("rounds/round-1/model.onnx")));
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
            labelStudio.stop(0);
        }
    }

    private static JsonObject prediction(JsonObject task) {
        return task.getAsJsonArray("predictions").get(0).getAsJsonObject();
    }

    private static List<JsonObject> withoutIds(JsonArray regions) {
        return regions.asList().stream().map(e -> {
            JsonObject copy = e.getAsJsonObject().deepCopy();
            copy.remove("id");
            return copy;
        }).toList();
    }
}
