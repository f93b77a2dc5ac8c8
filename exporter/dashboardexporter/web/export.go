package web

import (
	"net/http"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
	"github.com/unitrack/unitrack/internal/legacy"
)

// serveJSONL exports the events matching the filters, oldest first, as
// legacy json_events lines (the events.jsonl format old scripts read).
func (s *Server) serveJSONL(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r, s.opts.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	rc := http.NewResponseController(w)
	// An export of a large store outlives the server's write timeout.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "application/x-ndjson")
	h.Set("Content-Disposition", `attachment; filename="events.jsonl"`)
	h.Set("Cache-Control", "no-store")
	res := pcommon.NewResource()
	lr := plog.NewLogRecord()
	var buf []byte
	wrote := false
	err = s.store.Each(r.Context(), f, func(ev *store.Event) error {
		res.Attributes().Clear()
		plog.NewLogRecord().CopyTo(lr)
		if err := ev.Record(res, lr); err != nil {
			s.logger.Debug("Skipping unreadable stored event in export")
			return nil
		}
		buf = legacy.AppendJSONEvent(buf[:0], res, lr)
		if len(buf) > 0 && buf[len(buf)-1] != '\n' {
			buf = append(buf, '\n')
		}
		wrote = true
		_, err := w.Write(buf)
		return err
	})
	if err != nil && !wrote {
		s.storeError(w, r, "export", err)
	}
}
