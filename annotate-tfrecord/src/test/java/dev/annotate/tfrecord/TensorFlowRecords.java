package dev.annotate.tfrecord;

import org.tensorflow.Graph;
import org.tensorflow.Operation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFOutOfRangeException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TString;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * TensorFlow's own reader of TFRecord files, for tests here and in the Spark module (the test jar).
 *
 * <p>TensorFlow Java 1.1.0 facts this relies on: {@code Dataset.tfRecordDataset} fails at iteration, so the V1
 * {@code TFRecordDataset} op is built by hand and read through a named {@code Iterator} with
 * {@code MakeIterator} and {@code IteratorGetNext} until {@link TFOutOfRangeException}.
 */
public final class TensorFlowRecords {

    private TensorFlowRecords() {
    }

    /** TensorFlow's {@code compression_type} for ours. */
    public static String compressionType(Compression c) {
        return c == Compression.NONE ? "" : c.name();
    }

    /** Every record of a TFRecord file, as TensorFlow's {@code TFRecordDataset} reads it. */
    public static List<byte[]> read(Path file, Compression compression) {
        try (Graph g = new Graph(); TString names = TString.vectorOf(file.toString())) {
            Ops tf = Ops.create(g);
            Operation dataset = g.opBuilder("TFRecordDataset", "records", tf.scope())
                    .addInput(tf.constantOf(names).asOutput())
                    .addInput(tf.constant(compressionType(compression)).asOutput())
                    .addInput(tf.constant(256 * 1024L).asOutput())
                    .build();
            Operation iterator = g.opBuilder("Iterator", "iterator", tf.scope())
                    .setAttr("shared_name", "records_iterator")
                    .setAttr("container", "")
                    .setAttr("output_types", new DataType[] {DataType.DT_STRING})
                    .setAttr("output_shapes", new Shape[] {Shape.scalar()})
                    .build();
            Operation make = g.opBuilder("MakeIterator", "make_iterator", tf.scope())
                    .addInput(dataset.output(0))
                    .addInput(iterator.output(0))
                    .build();
            Operation next = g.opBuilder("IteratorGetNext", "next", tf.scope())
                    .addInput(iterator.output(0))
                    .setAttr("output_types", new DataType[] {DataType.DT_STRING})
                    .setAttr("output_shapes", new Shape[] {Shape.scalar()})
                    .build();
            List<byte[]> records = new ArrayList<>();
            try (Session s = new Session(g)) {
                s.runner().addTarget(make).run();
                while (true) {
                    try (Result r = s.runner().fetch(next.output(0)).run()) {
                        records.add(((TString) r.get(0)).asBytes().getObject());
                    } catch (TFOutOfRangeException end) {
                        return records;
                    }
                }
            }
        }
    }
}
