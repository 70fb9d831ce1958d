// The interop peer for OpenTelemetry Go (go.opentelemetry.io/otel and the contrib
// B3 and Jaeger propagators): one JSON request per line on stdin, one JSON answer
// per line on stdout (see tests/interop/README.md).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"log"
	"os"
	"sort"
	"strings"

	"go.opentelemetry.io/contrib/propagators/b3"
	"go.opentelemetry.io/contrib/propagators/jaeger"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

var propagators = map[string]propagation.TextMapPropagator{
	"tracecontext": propagation.TraceContext{},
	"baggage":      propagation.Baggage{},
	"b3":           b3.New(b3.WithInjectEncoding(b3.B3SingleHeader)),
	"b3multi":      b3.New(b3.WithInjectEncoding(b3.B3MultipleHeader)),
	"jaeger":       jaeger.Jaeger{},
}

// Wire is a context as the protocol spells it.
type Wire struct {
	TraceID    string            `json:"trace_id"`
	SpanID     string            `json:"span_id"`
	Sampled    bool              `json:"sampled"`
	Tracestate string            `json:"tracestate"`
	Baggage    map[string]string `json:"baggage"`
}

type request struct {
	Op      string      `json:"op"`
	Formats []string    `json:"formats"`
	Context *Wire       `json:"context"`
	Headers [][2]string `json:"headers"`
}

type injected struct {
	Headers [][2]string `json:"headers"`
}

type extracted struct {
	Context *Wire `json:"context"`
}

func toContext(w *Wire) (context.Context, error) {
	traceID, err := trace.TraceIDFromHex(w.TraceID)
	if err != nil {
		return nil, err
	}
	spanID, err := trace.SpanIDFromHex(w.SpanID)
	if err != nil {
		return nil, err
	}
	state, err := trace.ParseTraceState(w.Tracestate)
	if err != nil {
		return nil, err
	}
	var flags trace.TraceFlags
	if w.Sampled {
		flags = trace.FlagsSampled
	}
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: traceID, SpanID: spanID, TraceFlags: flags, TraceState: state, Remote: true,
	}))
	members := make([]baggage.Member, 0, len(w.Baggage))
	for key, value := range w.Baggage {
		member, err := baggage.NewMemberRaw(key, value)
		if err != nil {
			return nil, err
		}
		members = append(members, member)
	}
	bag, err := baggage.New(members...)
	if err != nil {
		return nil, err
	}
	return baggage.ContextWithBaggage(ctx, bag), nil
}

func toWire(ctx context.Context) *Wire {
	span := trace.SpanContextFromContext(ctx)
	if !span.IsValid() {
		return nil
	}
	bag := map[string]string{}
	for _, member := range baggage.FromContext(ctx).Members() {
		bag[member.Key()] = member.Value()
	}
	return &Wire{
		TraceID:    span.TraceID().String(),
		SpanID:     span.SpanID().String(),
		Sampled:    span.IsSampled(),
		Tracestate: span.TraceState().String(),
		Baggage:    bag,
	}
}

func serve(req request) (any, error) {
	var chosen []propagation.TextMapPropagator
	for _, format := range req.Formats {
		chosen = append(chosen, propagators[format])
	}
	propagator := propagation.NewCompositeTextMapPropagator(chosen...)
	if req.Op == "inject" {
		ctx, err := toContext(req.Context)
		if err != nil {
			return nil, err
		}
		carrier := propagation.MapCarrier{}
		propagator.Inject(ctx, carrier)
		headers := make([][2]string, 0, len(carrier))
		for name, value := range carrier {
			headers = append(headers, [2]string{name, value})
		}
		sort.Slice(headers, func(i, j int) bool { return headers[i][0] < headers[j][0] })
		return injected{headers}, nil
	}
	// propagation.HeaderCarrier: Go's http.Header, which canonicalises names.
	carrier := propagation.HeaderCarrier{}
	for _, header := range req.Headers {
		carrier.Set(strings.ToLower(header[0]), header[1])
	}
	return extracted{toWire(propagator.Extract(context.Background(), carrier))}, nil
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			log.Fatal(err)
		}
		ans, err := serve(req)
		if err != nil {
			log.Fatal(err)
		}
		if err := out.Encode(ans); err != nil {
			log.Fatal(err)
		}
	}
}
