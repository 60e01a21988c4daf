package dev.annotate.formats;

import com.google.gson.stream.JsonWriter;
import dev.annotate.core.LabelMap;
import dev.annotate.core.format.DatasetWriter;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A COCO file shaped like COCO's train2017 (polygon segmentations, annotations in no image order), written
 * streaming so that any size can be made; and, as {@link #main}, a COCO-to-COCO conversion through the format's
 * reader and writer, for a child JVM with a small heap.
 *
 * <pre>
 * java -cp ... dev.annotate.formats.CocoStreaming generate big.json 118000 1000000 52
 * java -Xmx512m -cp ... dev.annotate.formats.CocoStreaming convert big.json copy.json
 * </pre>
 */
public final class CocoStreaming {

    private CocoStreaming() {
    }

    /** Writes {@code images} images and {@code annotations} annotations with 40-point polygons to {@code file}. */
    public static void generate(Path file, int images, int annotations) throws IOException {
        generate(file, images, annotations, 40);
    }

    /** As {@link #generate(Path, int, int)}, with polygons of {@code points} numbers. */
    public static void generate(Path file, int images, int annotations, int points) throws IOException {
        Random random = new Random(7);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            JsonWriter w = new JsonWriter(out);
            w.beginObject().name("info").beginObject().name("description").value("generated").endObject();
            w.name("images").beginArray();
            for (int i = 1; i <= images; i++) {
                w.beginObject().name("license").value(3).name("file_name").value(String.format("%012d.jpg", i))
                        .name("coco_url").value("http://images.cocodataset.org/train2017/" + i + ".jpg")
                        .name("height").value(480).name("width").value(640)
                        .name("date_captured").value("2013-11-14 17:02:52").name("id").value(i).endObject();
            }
            w.endArray().name("annotations").beginArray();
            for (int a = 1; a <= annotations; a++) {
                double x = random.nextInt(500);
                double y = random.nextInt(400);
                w.beginObject().name("segmentation").beginArray().beginArray();
                for (int k = 0; k < points; k++) {
                    w.value(Math.round((x + random.nextDouble() * 100) * 100) / 100.0);
                }
                w.endArray().endArray().name("area").value(1234.5).name("iscrowd").value(0)
                        .name("image_id").value(1 + random.nextInt(images))
                        .name("bbox").beginArray().value(x).value(y).value(60.25).value(50.5).endArray()
                        .name("category_id").value(1 + random.nextInt(3)).name("id").value(a).endObject();
            }
            w.endArray().name("categories").beginArray();
            for (String name : new String[] {"person", "bicycle", "car"}) {
                w.beginObject().name("supercategory").value("x").name("id").value(name.equals("person") ? 1
                        : name.equals("bicycle") ? 2 : 3).name("name").value(name).endObject();
            }
            w.endArray().endObject();
        }
    }

    /**
     * {@code generate FILE IMAGES ANNOTATIONS [POINTS]}, or {@code convert FROM TO}: reads FROM and writes every image
     * to TO, printing "IMAGES images, ANNOTATIONS annotations, PROBLEMS problems".
     */
    public static void main(String[] args) throws IOException {
        if (args[0].equals("generate")) {
            generate(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    args.length > 4 ? Integer.parseInt(args[4]) : 40);
            return;
        }
        CocoFormat coco = new CocoFormat();
        long[] counts = new long[3];
        Path from = Path.of(args[1]);
        try (DatasetWriter out = coco.openWriter(Path.of(args[2]), LabelMap.empty())) {
            coco.read(from, LabelMap.empty(), r -> {
                counts[2] += r.problems().size();
                r.image().ifPresent(image -> {
                    try {
                        out.write(from.toAbsolutePath().getParent().relativize(Path.of(image.path().orElseThrow()))
                                .toString(), image);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    counts[0]++;
                    counts[1] += image.annotations().size();
                });
            });
        }
        System.out.println(counts[0] + " images, " + counts[1] + " annotations, " + counts[2] + " problems");
    }
}
