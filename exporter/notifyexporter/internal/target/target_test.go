package target

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestRegistry(t *testing.T) {
	a, b := HTTPFactory("b", nil), HTTPFactory("a", nil)
	r := NewRegistry(a, b)
	assert.Equal(t, "b, a", r.List(), "registration order, not sorted")
	assert.Equal(t, []string{"b", "a"}, r.Types())
	f, ok := r.Lookup("a")
	require.True(t, ok)
	assert.Equal(t, "a", f.Type)
	_, ok = r.Lookup("c")
	assert.False(t, ok)
	assert.Panics(t, func() { NewRegistry(a, a) })
}

func TestPriorityAndColor(t *testing.T) {
	tests := []struct {
		n        Notification
		priority string
		color    int
	}{
		{n: Notification{Status: StatusFiring, Priority: PriorityUrgent}, priority: PriorityUrgent, color: 0x8B0000},
		{n: Notification{Status: StatusFiring, Priority: PriorityHigh}, priority: PriorityHigh, color: 0xD63232},
		{n: Notification{Status: StatusFiring, Priority: PriorityNormal}, priority: PriorityNormal, color: 0xE8A317},
		{n: Notification{Status: StatusFiring, Priority: PriorityLow}, priority: PriorityLow, color: 0x439FE0},
		// A notification queued by an older version carries no priority.
		{n: Notification{Status: StatusFiring, SeverityNumber: int32(plog.SeverityNumberFatal)}, priority: PriorityUrgent, color: 0x8B0000},
		{n: Notification{Status: StatusFiring, SeverityNumber: int32(plog.SeverityNumberInfo)}, priority: PriorityLow, color: 0x439FE0},
		{n: Notification{Status: StatusResolved, Priority: PriorityUrgent}, priority: PriorityUrgent, color: 0x2EB886},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.priority, PriorityOf(tt.n), "%+v", tt.n)
		assert.Equal(t, tt.color, Color(tt.n), "%+v", tt.n)
	}
}

func TestSeverityPriority(t *testing.T) {
	for sev, want := range map[plog.SeverityNumber]string{
		plog.SeverityNumberInfo: PriorityLow, plog.SeverityNumberWarn: PriorityNormal,
		plog.SeverityNumberError: PriorityHigh, plog.SeverityNumberFatal: PriorityUrgent, plog.SeverityNumberFatal4: PriorityUrgent,
	} {
		assert.Equal(t, want, SeverityPriority(sev), "severity %d", sev)
	}
}

// TestMessageJSON: the generic payload is every notification field, then
// title and text, at the top level.
func TestMessageJSON(t *testing.T) {
	p, err := EncodeJSON("webhook", Message{Notification: Notification{Target: "hook", Status: StatusFiring}, Title: "T", Text: "X"})
	require.NoError(t, err)
	assert.Equal(t, "application/json", p.ContentType)
	var m map[string]any
	require.NoError(t, json.Unmarshal(p.Body, &m))
	assert.Equal(t, "hook", m["target"])
	assert.Equal(t, "T", m["title"])
	assert.Equal(t, "X", m["text"])
}

func TestDecodeNotification(t *testing.T) {
	_, err := DecodeNotification([]byte(`{"status":"firing"}`))
	assert.ErrorIs(t, err, errNoTarget)
	_, err = DecodeNotification([]byte(`{"target":"x","status":"pending"}`))
	assert.EqualError(t, err, `decode queued notification: status "pending" is not firing or resolved`)
	n, err := DecodeNotification([]byte(`{"target":"x","status":"resolved","count":3}`))
	require.NoError(t, err)
	assert.Equal(t, 3, n.Count)
}
