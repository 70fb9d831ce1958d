// A Java service in a tracewire fleet: consumes records with kafka-clients and
// continues the trace each one carries, with nothing but the OpenTelemetry Java
// API and SDK (its W3C Trace Context propagator reads the `traceparent` and
// `tracestate` headers tracewire writes). Every finished span is printed as one
// JSON line on stdout (trace_id, span_id, parent_span_id, ...).
//
//   mvn -B -q -f pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=libs
//   java -cp "libs/*" OrderConsumer.java <bootstrap> <topic> [records] [timeout-s]
//
// It reads from the beginning of <topic> (group "java-order-consumer") and exits
// 0 after <records> records (default 1), or 1 if the timeout (default 60) runs out.

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.StringDeserializer;

public class OrderConsumer {
    // Kafka header names are case-sensitive bytes; W3C header names are not. A
    // repeated header reads as its last value, like Headers.lastHeader.
    static final TextMapGetter<Headers> KAFKA_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> names = new ArrayList<>();
            headers.forEach(header -> names.add(header.key()));
            return names;
        }

        @Override
        public String get(Headers headers, String name) {
            String value = null;
            for (Header header : headers) {
                if (header.key().equalsIgnoreCase(name) && header.value() != null) {
                    value = new String(header.value(), StandardCharsets.UTF_8);
                }
            }
            return value;
        }
    };

    // Prints each finished span as one JSON line: what a real service would
    // hand to an OTLP or Zipkin exporter instead.
    static final class JsonLinesExporter implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            for (SpanData span : spans) {
                System.out.printf(
                        "{\"trace_id\":\"%s\",\"span_id\":\"%s\",\"parent_span_id\":\"%s\","
                                + "\"tracestate\":\"%s\",\"sampled\":%s,\"name\":\"%s\",\"kind\":\"%s\"}%n",
                        span.getTraceId(), span.getSpanId(), span.getParentSpanId(),
                        span.getSpanContext().getTraceState().asMap().entrySet().stream()
                                .map(e -> e.getKey() + "=" + e.getValue())
                                .reduce((a, b) -> a + "," + b).orElse(""),
                        span.getSpanContext().isSampled(), span.getName(),
                        span.getKind().name().toLowerCase());
            }
            System.out.flush();
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: OrderConsumer <bootstrap> <topic> [records] [timeout-s]");
            System.exit(2);
        }
        String topic = args[1];
        int wanted = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Duration timeout = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 60);
        long deadline = System.nanoTime() + timeout.toNanos();

        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "java-order-consumer");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());

        SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(new JsonLinesExporter()))
                .build();
        Tracer tracer = provider.get("order-consumer");
        W3CTraceContextPropagator propagator = W3CTraceContextPropagator.getInstance();
        int handled = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            while (handled < wanted && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    // The producer's span becomes the parent of this one: same trace id.
                    Context parent =
                            propagator.extract(Context.root(), record.headers(), KAFKA_HEADERS);
                    Span span = tracer.spanBuilder("process " + topic)
                            .setParent(parent)
                            .setSpanKind(SpanKind.CONSUMER)
                            .setAttribute("messaging.system", "kafka")
                            .setAttribute("messaging.destination.name", topic)
                            .startSpan();
                    try (Scope ignored = span.makeCurrent()) {
                        System.err.printf("processed %s in trace %s%n",
                                record.value(), span.getSpanContext().getTraceId());
                        handled++;
                    } finally {
                        span.end();
                    }
                }
            }
        } finally {
            provider.shutdown();
        }
        System.exit(handled >= wanted ? 0 : 1);
    }
}
