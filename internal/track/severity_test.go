package track

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestSeverityFromWord(t *testing.T) {
	tests := []struct {
		word   string
		want   plog.SeverityNumber
		wantOK bool
	}{
		{"trace", 1, true}, {"DEBUG", 5, true}, {"info", 9, true}, {"Notice", 9, true},
		{"warn", 13, true}, {"WARNING", 13, true}, {"error", 17, true}, {"err", 17, true},
		{"critical", 21, true}, {"crit", 21, true}, {"FATAL", 21, true}, {"alert", 21, true},
		{"emergency", 21, true}, {" error ", 17, true}, {"sev", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		got, ok := SeverityFromWord(tt.word)
		assert.Equal(t, tt.wantOK, ok, "SeverityFromWord(%q) ok", tt.word)
		assert.Equal(t, tt.want, got, "SeverityFromWord(%q)", tt.word)
	}
}

func TestSeverityLabel(t *testing.T) {
	for n, want := range map[plog.SeverityNumber]string{
		0: "UNSPECIFIED", 1: "TRACE", 4: "TRACE", 5: "DEBUG", 9: "INFO", 12: "INFO",
		13: "WARN", 17: "ERROR", 20: "ERROR", 21: "FATAL", 24: "FATAL",
	} {
		assert.Equal(t, want, SeverityLabel(n), "SeverityLabel(%d)", n)
	}
}

func TestEventTime(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	seen := at.Add(time.Second)
	lr := plog.NewLogRecord()
	if got := EventTime(lr, now); !got.Equal(now) {
		t.Errorf("no times: got %s, want now %s", got, now)
	}
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(seen))
	if got := EventTime(lr, now); !got.Equal(seen) {
		t.Errorf("observed only: got %s, want %s", got, seen)
	}
	lr.SetTimestamp(pcommon.NewTimestampFromTime(at))
	if got := EventTime(lr, now); !got.Equal(at) {
		t.Errorf("both: got %s, want the event's own %s", got, at)
	}
}
