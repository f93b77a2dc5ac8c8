package ntfy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
)

const hostile = "@everyone <!channel> [docs](https://evil.example) **bold** \r\nX-Injected: 1\x00\x7f"

func TestHeaderValue(t *testing.T) {
	assert.Equal(t, "plain title", headerValue("plain  title\n"))
	assert.Equal(t, "=?utf-8?q?Ollama_est_en_panne_=E2=80=94_=C3=A7a?=", headerValue("Ollama est en panne — ça"))
	assert.Equal(t, "a Injected: header", headerValue("a\r\nInjected: header"))
}

// TestHostileTextInHeaders: no header carries a line break; the body is
// plain text (no Markdown header).
func TestHostileTextInHeaders(t *testing.T) {
	n := target.Notification{Status: target.StatusFiring, Family: "task\r\nX-Family: 1", SeverityNumber: 21}
	p, err := Factory.Encode(target.Message{Notification: n, Title: hostile, Text: hostile})
	require.NoError(t, err)
	for k, v := range p.Headers {
		assert.NotContains(t, v, "\r", k)
		assert.NotContains(t, v, "\n", k)
	}
	assert.Empty(t, p.Headers["Markdown"], "ntfy shows the text as plain text")
	assert.Equal(t, hostile, string(p.Body))
	assert.Equal(t, "text/plain; charset=utf-8", p.ContentType)
}

func TestPriorityAndTags(t *testing.T) {
	for _, tt := range []struct {
		n        target.Notification
		priority string
		tags     string
	}{
		{target.Notification{Status: target.StatusFiring, Priority: target.PriorityUrgent, SeverityNumber: 21, Family: "mcp"}, "5", "rotating_light,mcp"},
		{target.Notification{Status: target.StatusFiring, Priority: target.PriorityHigh, SeverityNumber: 17}, "4", "rotating_light"},
		{target.Notification{Status: target.StatusFiring, Priority: target.PriorityNormal, SeverityNumber: 13, Family: "a,b"}, "3", "warning,a_b"},
		{target.Notification{Status: target.StatusFiring, Priority: target.PriorityLow, SeverityNumber: 9}, "2", "warning"},
		{target.Notification{Status: target.StatusResolved, Priority: target.PriorityUrgent, SeverityNumber: 21}, "3", "white_check_mark"},
	} {
		p, err := Factory.Encode(target.Message{Notification: tt.n})
		require.NoError(t, err)
		assert.Equal(t, tt.priority, p.Headers["Priority"], "%+v", tt.n)
		assert.Equal(t, tt.tags, p.Headers["Tags"], "%+v", tt.n)
		_, hasClick := p.Headers["Click"]
		assert.False(t, hasClick, "no dashboard link, no Click header")
	}
}

// deliver sends one message through a started ntfy target to srv.
func deliver(t *testing.T, srv *httptest.Server, m target.Message) {
	t.Helper()
	s := target.Settings{Name: "phone"}
	s.Client.Endpoint = srv.URL + "/unitrack-alerts"
	tg := Factory.New(s)
	require.NoError(t, tg.Start(context.Background(), componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings()))
	defer func() { require.NoError(t, tg.Shutdown(context.Background())) }()
	require.NoError(t, tg.Deliver(context.Background(), m))
}

// TestTitleWithDELIsDelivered: an event text holding DEL (a control byte
// Go's client refuses in a header) must still reach ntfy: refused locally,
// it would be retried as if the target were down and then dropped.
func TestTitleWithDELIsDelivered(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got <- r.Header.Clone() }))
	defer srv.Close()
	deliver(t, srv, target.Message{Notification: target.Notification{Status: target.StatusFiring, Family: "task\x7f"}, Title: "disk\x7f full", Text: "text"})
	assert.Equal(t, "=?utf-8?q?disk=7F_full?=", (<-got).Get("Title"))
}

// TestCRLFNeverReachesAHeader: over real HTTP, ntfy sees one Title header
// and no injected one.
func TestCRLFNeverReachesAHeader(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got <- r.Header.Clone() }))
	defer srv.Close()
	n := target.Notification{Status: target.StatusFiring, Family: "task\r\nX-Family: 1", SeverityNumber: 17}
	deliver(t, srv, target.Message{Notification: n, Title: "disk full\r\nX-Injected: 1", Text: "text"})
	h := <-got
	assert.Empty(t, h.Get("X-Injected"))
	assert.Empty(t, h.Get("X-Family"))
	assert.Equal(t, "disk full X-Injected: 1", h.Get("Title"))
	assert.False(t, strings.ContainsAny(h.Get("Tags"), "\r\n"))
}

func FuzzHeaderValue(f *testing.F) {
	for _, s := range []string{"plain title", "Ollama est en panne — ça", "two\nlines\r\n", "\x00\x7f", "del\x7f", string([]byte{0xff, 0xfe})} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := headerValue(s)
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 || v[i] == 0x7f || v[i] >= utf8.RuneSelf {
				t.Fatalf("headerValue(%q) = %q has byte %#x", s, v, v[i])
			}
		}
	})
}
