package trackreceiver

import "runtime"

type runtimeAllocs struct{ mallocs uint64 }

func (r *runtimeAllocs) read() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.mallocs = ms.Mallocs
}
