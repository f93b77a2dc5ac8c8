package notifyexporter

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
)

// FuzzDecodeNotification: whatever a (damaged) queue holds, decoding either
// fails cleanly or yields a notification every target type can render into
// a well-formed payload.
func FuzzDecodeNotification(f *testing.F) {
	for _, n := range sampleNotifications() {
		b, _ := json.Marshal(n)
		f.Add(b)
	}
	f.Add([]byte(`{"target":"x","status":"firing","count":-1,"event_ids":null}`))
	f.Add([]byte(`{"target":"x","status":"resolved","first_seen":"0001-01-01T00:00:00Z","body":"\u0000<!here>"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := target.DecodeNotification(b)
		if err != nil {
			return
		}
		title, text, err := defaultTemplates.render(n)
		if err != nil {
			t.Fatalf("default templates failed on a decoded notification: %v", err)
		}
		for _, typ := range targetTypes.Types() {
			f, _ := targetTypes.Lookup(typ)
			p, err := f.Encode(target.Message{Notification: n, Title: title, Text: text})
			if err != nil {
				continue // e.g. a time outside JSON's range
			}
			if p.ContentType == "application/json" && !json.Valid(p.Body) {
				t.Fatalf("%s payload is not JSON: %q", typ, p.Body)
			}
			for k, v := range p.Headers {
				if strings.ContainsAny(v, "\r\n") {
					t.Fatalf("%s header %s has a line break: %q", typ, k, v)
				}
			}
		}
	})
}

// FuzzDecodeState: a damaged state file is rejected or restored into groups
// that the grouping stage can flush without panicking.
func FuzzDecodeState(f *testing.F) {
	tg := newTestGrouping(testConfig())
	tg.consume(logsOf(breaker("fs", "opened", t0, "a"), breaker("gh", "opened", t0, "b")), t0)
	tg.flush(t0.Add(time.Minute))
	b, _ := encodeState(tg.groupers, nil, nil)
	f.Add(b)
	f.Add([]byte(`{"version":1,"targets":{"t0":[{"key":"k","ids":["a","b"],"id_head":7,"members":{"x":true},"firing_members":-3}]}}`))
	f.Add([]byte(`{"version":1,"targets":{"t0":[null]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg := testConfig()
		cfg.MaxEventIDs = 3
		tg := newTestGrouping(cfg)
		if _, _, _, err := decodeState(b, tg.groupers); err != nil {
			return
		}
		now := t0.Add(24 * time.Hour)
		tg.consume(logsOf(breaker("fs", "failure", now, "c"), breaker("fs", "closed", now, "d")), now)
		for i := range 3 {
			for _, n := range tg.flush(now.Add(time.Duration(i) * time.Hour)) {
				if len(n.EventIDs) > cfg.MaxEventIDs {
					t.Fatalf("notification carries %d ids, cap %d", len(n.EventIDs), cfg.MaxEventIDs)
				}
			}
		}
	})
}

// FuzzParseLedgerEntry: whatever another collector (or anyone with write
// access to the state topic) put in the ledger, parsing never panics, and an
// accepted entry has a send time.
func FuzzParseLedgerEntry(f *testing.F) {
	f.Add([]byte(`{"first_seen":"2026-11-28T12:00:00Z","last_sent":"2026-11-28T12:00:30Z"}`))
	f.Add([]byte(`{"first_seen":"2026-11-28T12:00:00Z"}`))
	f.Add([]byte(`{"last_sent":"yesterday"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parseLedgerEntry(b)
		if err == nil && e.LastSent.IsZero() {
			t.Fatalf("parseLedgerEntry(%q) accepted an entry without last_sent", b)
		}
	})
}
