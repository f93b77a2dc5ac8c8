package testbin

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// OTLPSink is an OTLP/HTTP logs backend on loopback: it decodes every
// request to /v1/logs (protobuf or JSON, gzip or not) and keeps the logs.
type OTLPSink struct {
	// URL is the base URL to give an otlphttp exporter as its endpoint.
	URL string

	mu   sync.Mutex
	logs []plog.Logs
}

// NewOTLPSink starts the backend; it is closed at test cleanup.
func NewOTLPSink(t testing.TB) *OTLPSink {
	t.Helper()
	s := &OTLPSink{}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *OTLPSink) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/logs" {
		http.Error(w, "only /v1/logs", http.StatusNotFound)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := plogotlp.NewExportRequest()
	json := strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
	if json {
		err = req.UnmarshalJSON(raw)
	} else {
		err = req.UnmarshalProto(raw)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.logs = append(s.logs, req.Logs())
	s.mu.Unlock()
	resp := plogotlp.NewExportResponse()
	var out []byte
	if json {
		w.Header().Set("Content-Type", "application/json")
		out, _ = resp.MarshalJSON()
	} else {
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ = resp.MarshalProto()
	}
	_, _ = w.Write(out)
}

// Logs is every request's logs so far.
func (s *OTLPSink) Logs() []plog.Logs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]plog.Logs(nil), s.logs...)
}

// Record is one received log record with its resource and scope.
type Record struct {
	Resource map[string]any
	Scope    string
	Log      plog.LogRecord
}

// Records flattens everything received so far.
func (s *OTLPSink) Records() []Record {
	var out []Record
	for _, ld := range s.Logs() {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			res := rl.Resource().Attributes().AsRaw()
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				sl := rl.ScopeLogs().At(j)
				for k := 0; k < sl.LogRecords().Len(); k++ {
					out = append(out, Record{Resource: res, Scope: sl.Scope().Name(), Log: sl.LogRecords().At(k)})
				}
			}
		}
	}
	return out
}

// WaitForRecords waits until at least n records arrived and returns them.
func (s *OTLPSink) WaitForRecords(t testing.TB, n int, timeout time.Duration) []Record {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		recs := s.Records()
		if len(recs) >= n {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("OTLP sink got %d records, want >= %d after %v", len(recs), n, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
