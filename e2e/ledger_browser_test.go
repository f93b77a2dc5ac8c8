package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/testbin"
)

// ledgerIncident is what the test reads of /api/incidents/{id}.
type ledgerIncident struct {
	ID         int64    `json:"id"`
	Key        string   `json:"key"`
	Title      string   `json:"title"`
	Subject    string   `json:"subject"`
	Status     string   `json:"status"`
	Events     int64    `json:"events"`
	EventIDs   []string `json:"event_ids"`
	EventsURL  string   `json:"events_url"`
	Deliveries []struct {
		Target, Status, Kind, Title, Text string
		SilenceID                         int64 `json:"silence_id"`
	} `json:"deliveries"`
	Posts []struct{ Slug, Title, Path, URL string } `json:"posts"`
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
	}
	return resp.StatusCode
}

// TestBrowserIncidentLedger is issue 15 on the built binary with the default
// config (short notify intervals in an overlay): an MCP storm shows on the
// dashboard as one incident with its notification and its blog post; a
// silence made from that incident on the page holds the next reminders back
// (counted); expired on the page, its end is told in the next notification;
// a write without the CSRF token is refused.
func TestBrowserIncidentLedger(t *testing.T) {
	ctx := testbin.Browser(t)
	d := startDefault(t, `
exporters:
  notify:
    group_wait: 500ms
    group_interval: 500ms
    repeat_interval: 2s
`)
	dash := fmt.Sprintf("http://127.0.0.1:%d", d.dashboard)
	inbox := filepath.Join(d.col.Dir(), "var/notify/inbox.jsonl")

	// The storm: failures naming the server, then the breaker opening.
	for i := range 5 {
		post(t, d.track, "/v1/track", fmt.Sprintf(`{"event_type":"mcp_server_failure","message":"MCP server 'filesystem' failed: timeout","severity":"error","category":"mcp","metadata":{"server":"filesystem","attempt":%d}}`, i+1))
	}
	post(t, d.track, "/v1/legacy/circuit-breaker", `{"server":"filesystem","event":"opened","state":"open","failure_count":5,"threshold":5,"error":"Timeout after 30s","cooldown_seconds":60}`)

	var in ledgerIncident
	d.col.WaitFor(30*time.Second, func() bool {
		var list struct{ Incidents []ledgerIncident }
		if getJSON(t, dash+"/api/incidents", &list) != http.StatusOK || len(list.Incidents) != 1 {
			return false
		}
		if getJSON(t, fmt.Sprintf("%s/api/incidents/%d", dash, list.Incidents[0].ID), &in) != http.StatusOK {
			return false
		}
		return len(in.Posts) == 1 && len(in.Deliveries) >= 1 && in.Events == 6
	}, "one incident with its 6 events, a notification and a post")
	assert.Equal(t, "filesystem", in.Subject)
	assert.Equal(t, "open", in.Status)
	// The ledger's plain words (internal/incident's sentence), quoting the
	// breaker's facts that notify and blog hand over (incidents.Event.Quoting).
	assert.Equal(t, "MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s", in.Title)
	assert.Equal(t, "inbox", in.Deliveries[0].Target)
	assert.Equal(t, "delivered", in.Deliveries[0].Status)
	assert.Equal(t, "firing", in.Deliveries[0].Kind)
	assert.Contains(t, in.Deliveries[0].Title, "filesystem")
	assert.Equal(t, "/blog/"+in.Posts[0].Slug+".html", in.Posts[0].URL)
	assert.FileExists(t, in.Posts[0].Path)
	require.Len(t, in.EventIDs, 6)

	// The page: the incident in the list, then its view.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(dash+"/")))
	testbin.WaitJS(t, ctx, `Array.from(document.querySelectorAll('#incidents-table tbody tr')).some(r => r.textContent.includes('filesystem') && r.textContent.includes('open'))`, 20*time.Second)
	assert.Equal(t, in.Title, testbin.EvalJS[string](t, ctx, `document.querySelector('#incidents-table tbody tr[data-incident-id] td.title').textContent`), "the list shows the ledger's title")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#incidents-table tbody tr[data-incident-id]`))))
	testbin.WaitJS(t, ctx, `!document.getElementById('incident').hidden && document.querySelector('#i-deliveries tbody').textContent.includes('delivered')`, 20*time.Second)
	assert.Equal(t, in.Title, testbin.EvalJS[string](t, ctx, `document.getElementById('i-title').textContent`))
	view := testbin.EvalJS[string](t, ctx, `document.getElementById('incident').textContent`)
	assert.Contains(t, view, "inbox")
	assert.Contains(t, view, "circuit breaker opened")
	href := testbin.EvalJS[string](t, ctx, `document.querySelector('#i-events a').getAttribute('href')`)
	assert.Equal(t, in.EventsURL, href)
	assert.True(t, strings.HasPrefix(href, "/?q=%22filesystem%22"), href)
	postHref := testbin.EvalJS[string](t, ctx, `document.querySelector('#i-posts a').getAttribute('href')`)
	assert.Equal(t, in.Posts[0].URL, postHref)
	// The event view links its incident through the ledger.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(dash+"/#/events/"+in.EventIDs[0])))
	testbin.WaitJS(t, ctx, `Array.from(document.querySelectorAll('#d-links a')).some(a => a.getAttribute('href') === '#/incidents/`+fmt.Sprint(in.ID)+`')`, 20*time.Second)
	assert.Equal(t, in.Title, testbin.EvalJS[string](t, ctx, `document.querySelector('#d-links a[href="#/incidents/`+fmt.Sprint(in.ID)+`"]').textContent`), "the event's incident link")

	// A forged write (no token, or a wrong one) is refused by the CSRF check.
	testbin.EvalJS[bool](t, ctx, `(window.__forged = [], ['', 'forged'].forEach(function (tok) {
		var h = {'Content-Type': 'application/json'}; if (tok) h['X-CSRF-Token'] = tok;
		fetch('/api/silences', {method: 'POST', headers: h, body: JSON.stringify({matcher: {subject: 'filesystem'}, duration: '1h', author: 'mallory'})})
			.then(function (r) { window.__forged.push(r.status); });
	}), true)`)
	testbin.WaitJS(t, ctx, `window.__forged.length === 2 && window.__forged.every(s => s === 403)`, 20*time.Second)
	var sil struct {
		Silences []struct {
			ID         int64
			Author     string
			Suppressed int64
			Active     bool
		}
	}
	require.Equal(t, http.StatusOK, getJSON(t, dash+"/api/silences", &sil))
	require.Empty(t, sil.Silences, "the forged writes created nothing")

	// A silence made from the incident's view.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(dash+fmt.Sprintf("/#/incidents/%d", in.ID))))
	testbin.WaitJS(t, ctx, `!document.getElementById('incident').hidden && document.getElementById('i-title').textContent.includes('filesystem')`, 20*time.Second)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#i-silence-author`), "ops"),
		chromedp.SendKeys(chromedp.CSS(`#i-silence-comment`), "restarting the filesystem server"),
		chromedp.Click(chromedp.CSS(`#i-silence`)),
	))
	testbin.WaitJS(t, ctx, `document.getElementById('i-silence-note').textContent.startsWith('silence ')`, 20*time.Second)
	d.col.WaitFor(30*time.Second, func() bool {
		return getJSON(t, dash+"/api/silences", &sil) == http.StatusOK && len(sil.Silences) == 1 && sil.Silences[0].Suppressed >= 1
	}, "the next reminder held back by the silence, counted")
	assert.Equal(t, "ops", sil.Silences[0].Author)
	assert.True(t, sil.Silences[0].Active)
	testbin.WaitJS(t, ctx, `Array.from(document.querySelectorAll('#silences-table tbody tr')).some(r => r.textContent.includes('subject=filesystem') && /active/.test(r.textContent) && Number(r.querySelector('.suppressed').textContent) >= 1)`, 20*time.Second)
	before := len(readInbox(inbox))

	// Expired from the page (the incident's view closed, it covers the
	// list): the next notification of the incident says so.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(dash+"/#/")))
	testbin.WaitJS(t, ctx, `document.getElementById('incident').hidden && document.querySelector('#silences-table button.expire') !== null`, 20*time.Second)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#silences-table button.expire`))))
	testbin.WaitJS(t, ctx, `Array.from(document.querySelectorAll('#silences-table tbody tr')).some(r => r.textContent.includes('subject=filesystem') && r.textContent.includes('ended'))`, 20*time.Second)
	require.Equal(t, http.StatusOK, getJSON(t, dash+"/api/silences", &sil))
	held := sil.Silences[0].Suppressed
	var noted inboxLine
	d.col.WaitFor(30*time.Second, func() bool {
		lines := readInbox(inbox)
		for _, l := range lines[min(before, len(lines)):] {
			if l.Subject == "filesystem" && strings.Contains(l.Text, "has ended") {
				noted = l
				return true
			}
		}
		return false
	}, "the next notification tells that the silence ended")
	assert.Contains(t, noted.Text, "The silence by ops")
	assert.Contains(t, noted.Text, fmt.Sprintf("it held back %d notification", held))
	assert.Contains(t, noted.Text, "restarting the filesystem server")
	// Held-back reminders are in the incident's history, next to the one sent.
	require.Equal(t, http.StatusOK, getJSON(t, fmt.Sprintf("%s/api/incidents/%d", dash, in.ID), &in))
	var silenced int64
	for _, dl := range in.Deliveries {
		if dl.Status == "silenced" {
			silenced++
		}
	}
	assert.Equal(t, held, silenced)
	testbin.Screenshot(t, ctx, "e2e-incident-ledger.png")
}
