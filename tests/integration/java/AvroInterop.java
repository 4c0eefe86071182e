// Reference checks with Apache Avro Java, driven by tests/integration/test_java_interop.py.
// Usage: AvroInterop fingerprint <file.avsc>...   -> "<path> <fingerprint LE hex>" per line
//        AvroInterop encode-watermark <file.avsc> -> hex of one BinaryMessageEncoder value
//        AvroInterop decode <reader.avsc> <hex> [<writer.avsc>...] -> the record as JSON
import java.io.File;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;

public final class AvroInterop {
  public static void main(String[] args) throws Exception {
    HexFormat hex = HexFormat.of();
    switch (args[0]) {
      case "fingerprint" -> {
        for (int i = 1; i < args.length; i++) {
          Schema schema = new Schema.Parser().parse(new File(args[i]));
          long fp = SchemaNormalization.parsingFingerprint64(schema);
          System.out.println(args[i] + " " + String.format("%016x", Long.reverseBytes(fp)));
        }
      }
      case "encode-watermark" -> {
        Schema schema = new Schema.Parser().parse(new File(args[1]));
        GenericRecord r = new GenericData.Record(schema);
        r.put("event_id", "6f1c1e4e-4b1b-4f39-9d44-8d1d6a3f2a05");
        r.put("source_city", "620700");
        r.put("recorded_at", 1741054500123L);
        r.put("stream", new GenericData.EnumSymbol(schema.getField("stream").schema(), "terminations"));
        r.put("complete_through", 1741054400000L);
        ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(r);
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        System.out.println(hex.formatHex(out));
      }
      case "decode" -> {
        Schema schema = new Schema.Parser().parse(new File(args[1]));
        BinaryMessageDecoder<GenericRecord> dec = new BinaryMessageDecoder<>(GenericData.get(), schema);
        for (int i = 3; i < args.length; i++) {
          dec.addSchema(new Schema.Parser().parse(new File(args[i])));
        }
        System.out.println(dec.decode(hex.parseHex(args[2])));
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }
}
