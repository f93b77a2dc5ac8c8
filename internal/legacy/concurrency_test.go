package legacy

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Decode is called from many HTTP handlers at once; pooled decoders and
// parsers must not share state (run with -race).
func TestDecodeConcurrently(t *testing.T) {
	body := benchBody()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				logs, errs, err := Decode(TrackEvent, body, observedAt)
				assert.NoError(t, err)
				assert.Empty(t, errs)
				assert.Equal(t, 100, logs.LogRecordCount())
				_, errs, _ = Decode(HealthMonitor, []byte(`[{"check":"a","status":"sick"},{"check":"b","status":"healthy"}]`), observedAt)
				assert.Len(t, errs, 1)
			}
		}()
	}
	wg.Wait()
}
