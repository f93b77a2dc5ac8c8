package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
)

// subBuffer is how many events a slow live client may fall behind before
// it is told it lagged (and reloads) instead of blocking ingestion.
const subBuffer = 1024

// heartbeat keeps idle streams (and proxies) from timing out.
var heartbeat = 15 * time.Second

type message struct {
	id   int64
	data []byte
}

type subscriber struct {
	filter store.Filter
	ch     chan message
	lagged chan struct{} // closed-over signal, buffered 1
}

// hub fans newly stored events out to the live streams. Publish only
// queues a batch; one goroutine matches and encodes, so the writer does not
// wait for it, and batches keep their order.
type hub struct {
	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	nsubs   atomic.Int32
	closed  bool
	done    chan struct{}
	in      chan []store.Event
	stopped chan struct{}
}

// hubQueue is how many stored batches may wait for the fan-out.
const hubQueue = 64

func newHub() *hub {
	h := &hub{subs: map[*subscriber]struct{}{}, done: make(chan struct{}),
		in: make(chan []store.Event, hubQueue), stopped: make(chan struct{})}
	go h.run()
	return h
}

func (h *hub) run() {
	defer close(h.stopped)
	for {
		select {
		case <-h.done:
			return
		case events := <-h.in:
			h.fanOut(events)
		}
	}
}

func (h *hub) subscribe(f store.Filter) *subscriber {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	s := &subscriber{filter: f, ch: make(chan message, subBuffer), lagged: make(chan struct{}, 1)}
	h.subs[s] = struct{}{}
	h.nsubs.Add(1)
	return s
}

func (h *hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		h.nsubs.Add(-1)
	}
}

// publish queues a batch for the live streams; with nobody watching it
// costs nothing. When the fan-out falls too far behind, every stream is
// told it lagged.
func (h *hub) publish(events []store.Event) {
	if len(events) == 0 || h.nsubs.Load() == 0 {
		return
	}
	select {
	case h.in <- events:
	case <-h.done:
	default:
		h.mu.Lock()
		for s := range h.subs {
			select {
			case s.lagged <- struct{}{}:
			default:
			}
		}
		h.mu.Unlock()
	}
}

func (h *hub) fanOut(events []store.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) == 0 {
		return
	}
	encoded := make([][]byte, len(events))
	for s := range h.subs {
		for i := range events {
			ev := &events[i]
			if !s.filter.Match(ev) {
				continue
			}
			if encoded[i] == nil {
				encoded[i], _ = json.Marshal(ev.ToJSON())
			}
			select {
			case s.ch <- message{id: ev.ID, data: encoded[i]}:
			default:
				select {
				case s.lagged <- struct{}{}:
				default:
				}
			}
		}
	}
}

func (h *hub) close() {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
	h.mu.Unlock()
	<-h.stopped
}

// catchUpMax bounds the events a reconnecting stream replays.
const catchUpMax = 1000

// serveStream is the live tail: Server-Sent Events, one "event" message per
// stored event matching the filter (data: the event JSON, id: its row id).
// A client that reconnects with Last-Event-ID (or ?after=<id>) first gets
// what it missed, up to 1000 events; a client that falls too far behind gets
// a "lagged" message and should reload.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r, s.opts.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	after, err := parseAfter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	rc := http.NewResponseController(w)
	sub := s.hub.subscribe(f)
	if sub == nil {
		writeError(w, http.StatusServiceUnavailable, "the dashboard is shutting down")
		return
	}
	defer s.hub.unsubscribe(sub)
	// The server's write timeout is for ordinary responses; a stream lives on.
	_ = rc.SetWriteDeadline(time.Time{})

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("retry: 2000\n: connected\n\n")); err != nil {
		return
	}
	if err := rc.Flush(); err != nil {
		return
	}
	last := after
	if after > 0 {
		if last, err = s.catchUp(w, r, rc, f, after); err != nil {
			return
		}
	}
	s.streamLive(w, r, rc, sub, last)
}

// parseAfter is the row id a reconnecting client saw last (Last-Event-ID
// or ?after=, the larger); 0 for a new stream.
func parseAfter(r *http.Request) (int64, error) {
	var after int64
	for _, v := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after")} {
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("after: expected an event row id, got %q", v)
		}
		after = max(after, n)
	}
	return after, nil
}

// catchUp sends the stored events of f after the row id a reconnecting
// client saw, at most catchUpMax (then "lagged": the page reloads), and
// returns the last row id sent.
func (s *Server) catchUp(w http.ResponseWriter, r *http.Request, rc *http.ResponseController, f store.Filter, after int64) (int64, error) {
	last := after
	f.AfterID = after
	n := 0
	err := s.store.Each(r.Context(), f, func(ev *store.Event) error {
		if n++; n > catchUpMax {
			return errStop
		}
		b, _ := json.Marshal(ev.ToJSON())
		last = ev.ID
		return writeMessage(w, "event", ev.ID, b)
	})
	if n > catchUpMax {
		writeMessage(w, "lagged", 0, []byte(`{}`))
	}
	if err != nil && err != errStop {
		return last, err
	}
	return last, rc.Flush()
}

// streamLive sends what the hub publishes (skipping what the catch-up sent,
// up to last) and a heartbeat, until the client or the server goes.
func (s *Server) streamLive(w http.ResponseWriter, r *http.Request, rc *http.ResponseController, sub *subscriber, last int64) {
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.hub.done:
			return
		case <-sub.lagged:
			if writeMessage(w, "lagged", 0, []byte(`{}`)) != nil || rc.Flush() != nil {
				return
			}
		case m := <-sub.ch:
			if m.id <= last {
				continue // already sent in the catch-up
			}
			if writeMessage(w, "event", m.id, m.data) != nil || writeQueued(w, sub, last) != nil || rc.Flush() != nil {
				return
			}
		case <-tick.C:
			if _, err := w.Write([]byte(": ping\n\n")); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

// writeQueued writes what is queued for sub, so that one flush sends it all.
func writeQueued(w http.ResponseWriter, sub *subscriber, last int64) error {
	for {
		select {
		case m := <-sub.ch:
			if m.id > last {
				if err := writeMessage(w, "event", m.id, m.data); err != nil {
					return err
				}
			}
		default:
			return nil
		}
	}
}

type stopErr struct{}

func (stopErr) Error() string { return "stop" }

var errStop error = stopErr{}

func writeMessage(w http.ResponseWriter, event string, id int64, data []byte) error {
	buf := make([]byte, 0, len(data)+48)
	if id > 0 {
		buf = append(buf, "id: "...)
		buf = strconv.AppendInt(buf, id, 10)
		buf = append(buf, '\n')
	}
	buf = append(buf, "event: "...)
	buf = append(buf, event...)
	buf = append(buf, "\ndata: "...)
	buf = append(buf, data...) // JSON from encoding/json has no raw newlines
	buf = append(buf, "\n\n"...)
	_, err := w.Write(buf)
	return err
}
