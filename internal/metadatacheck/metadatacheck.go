// Package metadatacheck keeps a component's hand-written internal/metadata
// package in step with its metadata.yaml. mdatagen is not served here, so the
// metadata packages are written by hand in the shape mdatagen generates; each
// component's metadata_test.go calls Check, which fails when the type, a
// stability level or a metric (name, unit, description) disagrees with the
// YAML.
package metadatacheck

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.yaml.in/yaml/v3"
)

// Metadata is the part of metadata.yaml the hand-written package mirrors.
type Metadata struct {
	Type   string `yaml:"type"`
	Status struct {
		Class     string              `yaml:"class"`
		Stability map[string][]string `yaml:"stability"`
	} `yaml:"status"`
	Telemetry struct {
		Metrics map[string]Metric `yaml:"metrics"`
	} `yaml:"telemetry"`
}

// Metric is one telemetry.metrics entry.
type Metric struct {
	Description string `yaml:"description"`
	Unit        string `yaml:"unit"`
	Stability   string `yaml:"stability"`
}

// Instrument is what a telemetry builder registered with the meter.
type Instrument struct {
	Name, Unit, Description string
}

// Component is what a component's metadata package declares.
type Component struct {
	Type component.Type
	// Stability maps a signal (logs, metrics, traces, extension) to its level.
	Stability map[string]component.StabilityLevel
	// NewTelemetry creates the component's telemetry builder with the given
	// settings; nil when the component declares no metrics of its own.
	NewTelemetry func(component.TelemetrySettings) error
}

// Check compares c against the metadata.yaml in the test's working directory.
func Check(t *testing.T, c Component) {
	t.Helper()
	raw, err := os.ReadFile("metadata.yaml")
	if err != nil {
		t.Fatalf("metadata.yaml: %v", err)
	}
	var md Metadata
	if err := yaml.Unmarshal(raw, &md); err != nil {
		t.Fatalf("metadata.yaml: %v", err)
	}
	for _, problem := range Compare(md, c) {
		t.Error(problem)
	}
}

// Compare lists every disagreement between md and c.
func Compare(md Metadata, c Component) []string {
	var problems []string
	if md.Type != c.Type.String() {
		problems = append(problems, fmt.Sprintf("type: metadata.yaml says %q, metadata.Type is %q", md.Type, c.Type))
	}
	want := map[string]string{}
	for level, signals := range md.Status.Stability {
		for _, s := range signals {
			want[s] = level
		}
	}
	got := map[string]string{}
	for s, level := range c.Stability {
		got[s] = strings.ToLower(level.String())
	}
	for _, s := range union(want, got) {
		if want[s] != got[s] {
			problems = append(problems, fmt.Sprintf("stability of %s: metadata.yaml says %q, the package says %q", s, want[s], got[s]))
		}
	}
	instruments := map[string]Instrument{}
	if c.NewTelemetry != nil {
		rec := &recorder{instruments: instruments}
		set := componenttest.NewNopTelemetrySettings()
		set.MeterProvider = rec
		if err := c.NewTelemetry(set); err != nil {
			problems = append(problems, fmt.Sprintf("creating the telemetry builder: %v", err))
		}
	}
	for name, m := range md.Telemetry.Metrics {
		full := "otelcol_" + name
		ins, ok := instruments[full]
		if !ok {
			problems = append(problems, fmt.Sprintf("metric %s: in metadata.yaml, not registered by the telemetry builder", full))
			continue
		}
		delete(instruments, full)
		if ins.Unit != m.Unit {
			problems = append(problems, fmt.Sprintf("metric %s: unit %q in metadata.yaml, %q registered", full, m.Unit, ins.Unit))
		}
		if desc := strings.TrimSpace(m.Description); !strings.HasPrefix(ins.Description, desc) {
			problems = append(problems, fmt.Sprintf("metric %s: description %q in metadata.yaml, %q registered", full, desc, ins.Description))
		}
	}
	for name := range instruments {
		problems = append(problems, fmt.Sprintf("metric %s: registered by the telemetry builder, missing from metadata.yaml", name))
	}
	sort.Strings(problems)
	return problems
}

func union(a, b map[string]string) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// recorder is a MeterProvider that remembers every synchronous and
// asynchronous instrument created through it; the instruments do nothing.
type recorder struct {
	noop.MeterProvider
	instruments map[string]Instrument
}

func (r *recorder) Meter(string, ...metric.MeterOption) metric.Meter { return &meter{r: r} }

type meter struct {
	noop.Meter
	r *recorder
}

func (m *meter) add(name string, unit, desc string) {
	m.r.instruments[name] = Instrument{Name: name, Unit: unit, Description: desc}
}

func (m *meter) Int64Counter(name string, opts ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	c := metric.NewInt64CounterConfig(opts...)
	m.add(name, c.Unit(), c.Description())
	return m.Meter.Int64Counter(name, opts...)
}

func (m *meter) Int64UpDownCounter(name string, opts ...metric.Int64UpDownCounterOption) (metric.Int64UpDownCounter, error) {
	c := metric.NewInt64UpDownCounterConfig(opts...)
	m.add(name, c.Unit(), c.Description())
	return m.Meter.Int64UpDownCounter(name, opts...)
}

func (m *meter) Int64Histogram(name string, opts ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	c := metric.NewInt64HistogramConfig(opts...)
	m.add(name, c.Unit(), c.Description())
	return m.Meter.Int64Histogram(name, opts...)
}

func (m *meter) Int64Gauge(name string, opts ...metric.Int64GaugeOption) (metric.Int64Gauge, error) {
	c := metric.NewInt64GaugeConfig(opts...)
	m.add(name, c.Unit(), c.Description())
	return m.Meter.Int64Gauge(name, opts...)
}

func (m *meter) Int64ObservableGauge(name string, opts ...metric.Int64ObservableGaugeOption) (metric.Int64ObservableGauge, error) {
	c := metric.NewInt64ObservableGaugeConfig(opts...)
	m.add(name, c.Unit(), c.Description())
	return m.Meter.Int64ObservableGauge(name, opts...)
}

func (m *meter) Int64ObservableCounter(name string, opts ...metric.Int64ObservableCounterOption) (metric.Int64ObservableCounter, error) {
	c := metric.NewInt64ObservableCounterConfig(opts...)
	m.add(name, c.Unit(), c.Description())
	return m.Meter.Int64ObservableCounter(name, opts...)
}

func (m *meter) Int64ObservableUpDownCounter(name string, opts ...metric.Int64ObservableUpDownCounterOption) (metric.Int64ObservableUpDownCounter, error) {
	c := metric.NewInt64ObservableUpDownCounterConfig(opts...)
	m.add(name, c.Unit(), c.Description())
	return m.Meter.Int64ObservableUpDownCounter(name, opts...)
}

func (m *meter) Float64Counter(name string, opts ...metric.Float64CounterOption) (metric.Float64Counter, error) {
	c := metric.NewFloat64CounterConfig(opts...)
	m.add(name, c.Unit(), c.Description())
	return m.Meter.Float64Counter(name, opts...)
}

func (m *meter) Float64Histogram(name string, opts ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	c := metric.NewFloat64HistogramConfig(opts...)
	m.add(name, c.Unit(), c.Description())
	return m.Meter.Float64Histogram(name, opts...)
}

func (m *meter) Float64Gauge(name string, opts ...metric.Float64GaugeOption) (metric.Float64Gauge, error) {
	c := metric.NewFloat64GaugeConfig(opts...)
	m.add(name, c.Unit(), c.Description())
	return m.Meter.Float64Gauge(name, opts...)
}

func (m *meter) Float64ObservableGauge(name string, opts ...metric.Float64ObservableGaugeOption) (metric.Float64ObservableGauge, error) {
	c := metric.NewFloat64ObservableGaugeConfig(opts...)
	m.add(name, c.Unit(), c.Description())
	return m.Meter.Float64ObservableGauge(name, opts...)
}
