package track

import (
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// An OTLP record's own track.event_id is kept; one without gets a fresh
// ULID from its timestamp, a different one each time.
func TestNormalizeEventID(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	own := plog.NewLogRecord()
	own.Attributes().PutStr(AttrEventID, "sdk-42")
	Normalize(own, "scope", now)
	v, _ := own.Attributes().Get(AttrEventID)
	assert.Equal(t, "sdk-42", v.Str())

	ts := now.Add(-time.Hour)
	var ids []string
	for range 2 {
		lr := plog.NewLogRecord()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
		assert.True(t, Normalize(lr, "scope", now))
		v, ok := lr.Attributes().Get(AttrEventID)
		require.True(t, ok)
		u, err := ulid.ParseStrict(v.Str())
		require.NoError(t, err)
		assert.Equal(t, uint64(ts.UnixMilli()), u.Time())
		ids = append(ids, v.Str())
	}
	assert.NotEqual(t, ids[0], ids[1], "no request key over OTLP: every record gets a fresh id")
}
