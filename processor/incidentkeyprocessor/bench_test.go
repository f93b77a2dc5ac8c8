package incidentkeyprocessor

import (
	"context"
	"testing"

	"github.com/unitrack/unitrack/internal/incident"
	"go.opentelemetry.io/collector/consumer/consumertest"
)

// BenchmarkIncidentKey compares the processor against a floor that only computes
// the keys, for a
// storm of one incident and for a mix of 20 incidents.
func BenchmarkIncidentKey(b *testing.B) {
	for _, c := range []struct {
		name    string
		servers []string
		n       int
	}{
		{"one_incident", []string{"filesystem"}, 500},
		{"20_incidents", []string{"s00", "s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08", "s09",
			"s10", "s11", "s12", "s13", "s14", "s15", "s16", "s17", "s18", "s19"}, 25},
	} {
		in := storm(c.servers, c.n)
		b.Run(c.name+"/processor", func(b *testing.B) {
			p := newProcessor(&Config{MetadataKey: DefaultMetadataKey}, zapNop(), consumertest.NewNop())
			b.ReportAllocs()
			for b.Loop() {
				_ = p.ConsumeLogs(context.Background(), in)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*in.LogRecordCount()), "ns/record")
		})
		// The floor computes every record's key and passes the batch on once,
		// unsplit: what any keying must at least do.
		b.Run(c.name+"/keys_only", func(b *testing.B) {
			next := consumertest.NewNop()
			b.ReportAllocs()
			for b.Loop() {
				for _, rl := range in.ResourceLogs().All() {
					for _, sl := range rl.ScopeLogs().All() {
						for _, lr := range sl.LogRecords().All() {
							sink = incident.KeyOf(lr, rl.Resource()).String()
						}
					}
				}
				_ = next.ConsumeLogs(context.Background(), in)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*in.LogRecordCount()), "ns/record")
		})
	}
}

var sink string
