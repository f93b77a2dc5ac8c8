package notifyexporter

import (
	"encoding/json"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

func pcommonTime(t time.Time) pcommon.Timestamp { return pcommon.NewTimestampFromTime(t) }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

var defaultTemplates = func() *targetTemplates {
	t, err := compileTemplates(&TargetConfig{Name: "default"})
	if err != nil {
		panic(err)
	}
	return t
}()
