// The interop peer for OpenTelemetry Java (opentelemetry-api and
// opentelemetry-extension-trace-propagators): one JSON request per line on
// stdin, one JSON answer per line on stdout (see tests/interop/README.md).
// Run with Java's single-file source launcher on the jars of pom.xml:
//
//   java -cp "<libs>/*" Peer.java

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.TraceStateBuilder;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.extension.trace.propagation.JaegerPropagator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

// The Jaeger propagator is deprecated by the OpenTelemetry specification; it is
// still shipped, and still spoken by older fleets.
@SuppressWarnings("deprecation")
public class Peer {
    private static final Map<String, TextMapPropagator> PROPAGATORS = Map.of(
            "tracecontext", W3CTraceContextPropagator.getInstance(),
            "baggage", W3CBaggagePropagator.getInstance(),
            "b3", B3Propagator.injectingSingleHeader(),
            "b3multi", B3Propagator.injectingMultiHeaders(),
            "jaeger", JaegerPropagator.getInstance());

    // Header names matched the way an HTTP server matches them: case-insensitively.
    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key.toLowerCase(Locale.ROOT));
        }
    };

    public static void main(String[] args) throws Exception {
        Gson gson = new Gson();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            out.println(gson.toJson(answer(gson.fromJson(line, JsonObject.class))));
        }
    }

    private static JsonObject answer(JsonObject request) {
        List<TextMapPropagator> chosen = new ArrayList<>();
        for (JsonElement format : request.getAsJsonArray("formats")) {
            chosen.add(PROPAGATORS.get(format.getAsString()));
        }
        TextMapPropagator propagator = TextMapPropagator.composite(chosen);
        JsonObject answer = new JsonObject();
        if (request.get("op").getAsString().equals("inject")) {
            Map<String, String> headers = new TreeMap<>();
            propagator.inject(toContext(request.getAsJsonObject("context")), headers, Map::put);
            JsonArray pairs = new JsonArray();
            headers.forEach((name, value) -> {
                JsonArray pair = new JsonArray();
                pair.add(name);
                pair.add(value);
                pairs.add(pair);
            });
            answer.add("headers", pairs);
        } else {
            Map<String, String> carrier = new TreeMap<>();
            for (JsonElement header : request.getAsJsonArray("headers")) {
                JsonArray pair = header.getAsJsonArray();
                carrier.put(pair.get(0).getAsString().toLowerCase(Locale.ROOT), pair.get(1).getAsString());
            }
            answer.add("context", toWire(propagator.extract(Context.root(), carrier, GETTER)));
        }
        return answer;
    }

    private static Context toContext(JsonObject wire) {
        TraceStateBuilder state = TraceState.builder();
        String header = wire.get("tracestate").getAsString();
        // Members are listed left to right; the builder puts each new one first.
        String[] members = header.isEmpty() ? new String[0] : header.split(",");
        for (int i = members.length - 1; i >= 0; i--) {
            String[] member = members[i].split("=", 2);
            state.put(member[0], member[1]);
        }
        SpanContext span = SpanContext.createFromRemoteParent(
                wire.get("trace_id").getAsString(),
                wire.get("span_id").getAsString(),
                wire.get("sampled").getAsBoolean() ? TraceFlags.getSampled() : TraceFlags.getDefault(),
                state.build());
        BaggageBuilder baggage = Baggage.builder();
        wire.getAsJsonObject("baggage").entrySet()
                .forEach(entry -> baggage.put(entry.getKey(), entry.getValue().getAsString()));
        return Context.root().with(Span.wrap(span)).with(baggage.build());
    }

    private static JsonElement toWire(Context context) {
        SpanContext span = Span.fromContext(context).getSpanContext();
        if (!span.isValid()) {
            return JsonNull.INSTANCE;
        }
        JsonObject wire = new JsonObject();
        wire.addProperty("trace_id", span.getTraceId());
        wire.addProperty("span_id", span.getSpanId());
        wire.addProperty("sampled", span.isSampled());
        List<String> members = new ArrayList<>();
        span.getTraceState().forEach((key, value) -> members.add(key + "=" + value));
        wire.addProperty("tracestate", String.join(",", members));
        JsonObject baggage = new JsonObject();
        Baggage.fromContext(context).forEach((key, entry) -> baggage.addProperty(key, entry.getValue()));
        wire.add("baggage", baggage);
        return wire;
    }
}
