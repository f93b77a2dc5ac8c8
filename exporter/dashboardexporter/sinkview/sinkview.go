// Package sinkview assembles the dashboard's sink health (GET /api/sinks):
// what the sinkhealth registry knows (policies, drops, refusals, exporter
// statuses) joined with the collector's own metrics (each exporter's queue
// size and capacity, records sent and failed), scraped from its Prometheus
// endpoint. Merging is pure; scraping is a thin shell.
package sinkview // import "github.com/unitrack/unitrack/exporter/dashboardexporter/sinkview"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/unitrack/unitrack/internal/sinkhealth"
)

// Health words of a sink.
const (
	HealthOK       = "ok"
	HealthFailing  = "failing"
	HealthStarting = "starting"
)

// recentIncident is how long a drop or refusal keeps a sink "failing".
const recentIncident = time.Minute

// maxMetricsBody bounds a scrape: the collector's own endpoint is small.
const maxMetricsBody = 8 << 20

// ExporterQueue is one exporter's figures from the collector's metrics.
type ExporterQueue struct {
	QueueSize     int64 `json:"queue_size"`
	QueueCapacity int64 `json:"queue_capacity"`
	Sent          int64 `json:"sent"`
	SendFailed    int64 `json:"send_failed"`
	EnqueueFailed int64 `json:"enqueue_failed"`
}

// Exporter is one exporter of a sink pipeline.
type Exporter struct {
	sinkhealth.ComponentStatus
	ExporterQueue
	// LagSeconds is how long the exporter has held queued data without
	// sending any (0 when its queue is empty or it is sending).
	LagSeconds float64 `json:"lag_seconds"`
}

// Sink is one sink pipeline as /api/sinks shows it.
type Sink struct {
	Pipeline      string     `json:"pipeline"`
	WhenFull      string     `json:"when_full"`
	Health        string     `json:"health"`
	QueueSize     int64      `json:"queue_size"`
	QueueCapacity int64      `json:"queue_capacity"`
	QueueFill     float64    `json:"queue_fill"`
	LagSeconds    float64    `json:"lag_seconds"`
	Dropped       int64      `json:"dropped"`
	Refused       int64      `json:"refused"`
	LastError     string     `json:"last_error,omitempty"`
	LastErrorTime *time.Time `json:"last_error_time,omitempty"`
	Exporters     []Exporter `json:"exporters"`
}

// Report is the body of GET /api/sinks.
type Report struct {
	Sinks []Sink `json:"sinks"`
	// Registry is false when no sinkhealth extension runs (no policies,
	// drops or statuses are known then).
	Registry bool `json:"registry"`
	// MetricsError says why the queue figures are missing, if they are.
	MetricsError string    `json:"metrics_error,omitempty"`
	Time         time.Time `json:"time"`
}

// ParseMetrics reads the exporter figures, keyed by exporter label, from
// Prometheus text. Counters are found with or without the _total suffix.
func ParseMetrics(r io.Reader) (map[string]ExporterQueue, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse the collector's metrics: %w", err)
	}
	out := map[string]ExporterQueue{}
	set := func(name string, f func(*ExporterQueue, int64)) {
		fam := fams[name]
		if fam == nil {
			fam = fams[name+"_total"]
		}
		if fam == nil {
			return
		}
		for _, m := range fam.GetMetric() {
			exp := label(m, "exporter")
			if exp == "" {
				continue
			}
			q := out[exp]
			f(&q, int64(value(m)))
			out[exp] = q
		}
	}
	set("otelcol_exporter_queue_size", func(q *ExporterQueue, v int64) { q.QueueSize += v })
	set("otelcol_exporter_queue_capacity", func(q *ExporterQueue, v int64) { q.QueueCapacity += v })
	set("otelcol_exporter_sent_log_records", func(q *ExporterQueue, v int64) { q.Sent += v })
	set("otelcol_exporter_send_failed_log_records", func(q *ExporterQueue, v int64) { q.SendFailed += v })
	set("otelcol_exporter_enqueue_failed_log_records", func(q *ExporterQueue, v int64) { q.EnqueueFailed += v })
	return out, nil
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func value(m *dto.Metric) float64 {
	switch {
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetUntyped() != nil:
		return m.GetUntyped().GetValue()
	}
	return 0
}

// queueOf sums the figures of an exporter and of the queues it keeps inside
// (notify labels its per-target queues "notify/#<target>").
func queueOf(id string, metrics map[string]ExporterQueue) ExporterQueue {
	var q ExporterQueue
	for name, m := range metrics {
		if name == id || strings.HasPrefix(name, id+"/#") {
			q.QueueSize += m.QueueSize
			q.QueueCapacity += m.QueueCapacity
			q.Sent += m.Sent
			q.SendFailed += m.SendFailed
			q.EnqueueFailed += m.EnqueueFailed
		}
	}
	return q
}

// progress remembers when each exporter last sent something, for the lag.
type progress struct {
	sent  int64
	since time.Time
}

// Merge joins the registry's sinks with the metrics. lastProgress is updated
// in place (callers keep it between calls to measure lag).
func Merge(states []sinkhealth.SinkState, metrics map[string]ExporterQueue, lastProgress map[string]progress, now time.Time) []Sink {
	out := make([]Sink, 0, len(states))
	for _, st := range states {
		s := Sink{
			Pipeline: st.Pipeline, WhenFull: st.WhenFull, Health: HealthOK,
			Dropped: st.Dropped, Refused: st.Refused, LastError: st.LastError,
			Exporters: []Exporter{},
		}
		if !st.LastErrorTime.IsZero() {
			t := st.LastErrorTime
			s.LastErrorTime = &t
			if now.Sub(t) < recentIncident && (st.Dropped > 0 || st.Refused > 0) && isIncident(st.LastError) {
				s.Health = HealthFailing
			}
		}
		for _, cs := range st.Exporters {
			e := Exporter{ComponentStatus: cs, ExporterQueue: queueOf(cs.ID, metrics)}
			p, ok := lastProgress[cs.ID]
			if !ok || e.Sent != p.sent || e.QueueSize == 0 {
				p = progress{sent: e.Sent, since: now}
				lastProgress[cs.ID] = p
			}
			if e.QueueSize > 0 {
				e.LagSeconds = now.Sub(p.since).Seconds()
			}
			switch cs.Status {
			case "StatusRecoverableError", "StatusPermanentError", "StatusFatalError":
				s.Health = HealthFailing
			case "StatusStarting", "StatusNone":
				if s.Health == HealthOK {
					s.Health = HealthStarting
				}
			}
			s.QueueSize += e.QueueSize
			s.QueueCapacity += e.QueueCapacity
			s.LagSeconds = max(s.LagSeconds, e.LagSeconds)
			s.Exporters = append(s.Exporters, e)
		}
		if s.QueueCapacity > 0 {
			s.QueueFill = float64(s.QueueSize) / float64(s.QueueCapacity)
		}
		out = append(out, s)
	}
	return out
}

func isIncident(lastError string) bool {
	return strings.HasPrefix(lastError, sinkhealth.KindDropped+":") || strings.HasPrefix(lastError, sinkhealth.KindRefused+":")
}

// Collector builds reports: it scrapes metricsURL (when set) and reads src
// (when not nil).
type Collector struct {
	metricsURL string
	client     *http.Client
	src        func() sinkhealth.Source

	mu       sync.Mutex
	progress map[string]progress
}

// New returns a Collector. src is called on every report: the registry is
// found when the dashboard starts, which can be after New.
func New(metricsURL string, timeout time.Duration, src func() sinkhealth.Source) *Collector {
	return &Collector{
		metricsURL: metricsURL,
		client:     &http.Client{Timeout: timeout},
		src:        src,
		progress:   map[string]progress{},
	}
}

// Report assembles the current report.
func (c *Collector) Report(ctx context.Context) Report {
	now := time.Now()
	rep := Report{Time: now, Sinks: []Sink{}}
	var metrics map[string]ExporterQueue
	if c.metricsURL != "" {
		m, err := c.scrape(ctx)
		if err != nil {
			rep.MetricsError = err.Error()
		}
		metrics = m
	} else {
		rep.MetricsError = "no metrics_url configured"
	}
	var states []sinkhealth.SinkState
	if src := c.src(); src != nil {
		rep.Registry = true
		states = src.Sinks()
	}
	c.mu.Lock()
	rep.Sinks = Merge(states, metrics, c.progress, now)
	c.mu.Unlock()
	return rep
}

var errStatus = errors.New("unexpected status")

func (c *Collector) scrape(ctx context.Context) (map[string]ExporterQueue, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.metricsURL, nil)
	if err != nil {
		return nil, fmt.Errorf("metrics_url: %w", err)
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape the collector's metrics: %w", err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape the collector's metrics: %w %d", errStatus, resp.StatusCode)
	}
	return ParseMetrics(io.LimitReader(resp.Body, maxMetricsBody))
}
