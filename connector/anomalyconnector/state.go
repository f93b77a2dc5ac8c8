package anomalyconnector

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

const (
	// stateKey is the storage key of the detectors' state.
	stateKey     = "anomaly_state"
	stateVersion = 1
)

// persistedState is what survives a restart: every baseline and open episode.
type persistedState struct {
	Version int             `json:"version"`
	Bucket  time.Duration   `json:"bucket_ns"`
	Since   time.Time       `json:"since"`
	Rates   []persistedRate `json:"rates"`
	Sources []persistedSrc  `json:"sources"`
	Names   []persistedName `json:"names"`
}

type persistedRate struct {
	Service  string    `json:"service"`
	Category string    `json:"category"`
	Start    time.Time `json:"start"`
	Count    int64     `json:"count"`
	Mean     float64   `json:"mean"`
	Variance float64   `json:"variance"`
	Buckets  int64     `json:"buckets"`
	Firing   bool      `json:"firing,omitempty"`
	Episode  time.Time `json:"episode,omitzero"`
	Peak     int64     `json:"peak,omitempty"`
	Normal   int       `json:"normal,omitempty"`
}

type persistedSrc struct {
	Source       string        `json:"source"`
	Service      string        `json:"service"`
	SubjectKey   string        `json:"subject_key,omitempty"`
	SubjectValue string        `json:"subject_value,omitempty"`
	Last         time.Time     `json:"last"`
	IntervalsMS  []int64       `json:"intervals_ms"`
	LongestMS    float64       `json:"longest_ms,omitempty"`
	Flaps        float64       `json:"flaps,omitempty"`
	Firing       bool          `json:"firing,omitempty"`
	Typical      time.Duration `json:"typical_ns,omitempty"`
}

type persistedName struct {
	Service  string `json:"service"`
	Name     string `json:"name"`
	LastSeen int64  `json:"last_seen_ms"`
}

// snapshot encodes the state, sorted so that equal states encode equally.
func (d *detector) snapshot() ([]byte, error) {
	st := persistedState{Version: stateVersion, Bucket: d.cfg.Bucket, Since: d.since,
		Rates: []persistedRate{}, Sources: []persistedSrc{}, Names: []persistedName{}}
	for k, s := range d.rates {
		st.Rates = append(st.Rates, persistedRate{
			Service: k.service, Category: k.category, Start: s.start, Count: s.count,
			Mean: s.mean, Variance: s.variance, Buckets: s.buckets,
			Firing: s.firing, Episode: s.episode, Peak: s.peak, Normal: s.normal,
		})
	}
	slices.SortFunc(st.Rates, func(a, b persistedRate) int {
		return cmpJoin(strings.Compare(a.Service, b.Service), strings.Compare(a.Category, b.Category))
	})
	for k, s := range d.sources {
		st.Sources = append(st.Sources, persistedSrc{
			Source: k.source, Service: k.service, SubjectKey: k.subjectKey, SubjectValue: k.subjectValue,
			Last: s.last, IntervalsMS: slices.Clone(s.intervals), LongestMS: s.longest, Flaps: s.flaps, Firing: s.firing, Typical: s.typical,
		})
	}
	slices.SortFunc(st.Sources, func(a, b persistedSrc) int {
		return cmpJoin(strings.Compare(a.Source, b.Source), strings.Compare(a.Service, b.Service),
			strings.Compare(a.SubjectKey, b.SubjectKey), strings.Compare(a.SubjectValue, b.SubjectValue))
	})
	for k, ms := range d.names {
		st.Names = append(st.Names, persistedName{Service: k.service, Name: k.name, LastSeen: ms})
	}
	slices.SortFunc(st.Names, func(a, b persistedName) int {
		return cmpJoin(strings.Compare(a.Service, b.Service), strings.Compare(a.Name, b.Name))
	})
	for i := range st.Sources {
		if st.Sources[i].IntervalsMS == nil {
			st.Sources[i].IntervalsMS = []int64{}
		}
	}
	return json.Marshal(st)
}

func cmpJoin(cs ...int) int {
	for _, c := range cs {
		if c != 0 {
			return c
		}
	}
	return 0
}

var errStateVersion = errors.New("unsupported state version")

// decodeState parses and checks a persisted state; every bad field is named.
func decodeState(b []byte) (*persistedState, error) {
	var st persistedState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("decode anomaly state: %w", err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("decode anomaly state: version: %w %d, expected %d", errStateVersion, st.Version, stateVersion)
	}
	var errs []error
	bad := func(field string, i int, what string, got any) {
		errs = append(errs, fmt.Errorf("%s::%d: expected %s, got %v", field, i, what, got))
	}
	if st.Bucket <= 0 {
		errs = append(errs, fmt.Errorf("bucket_ns: expected a positive duration, got %d", int64(st.Bucket)))
	}
	for i, r := range st.Rates {
		switch {
		case !finiteNonNeg(r.Mean):
			bad("rates", i, "mean to be a finite number >= 0", r.Mean)
		case !finiteNonNeg(r.Variance):
			bad("rates", i, "variance to be a finite number >= 0", r.Variance)
		case r.Count < 0 || r.Buckets < 0 || r.Peak < 0 || r.Normal < 0:
			bad("rates", i, "count, buckets, peak and normal >= 0", fmt.Sprintf("%d, %d, %d, %d", r.Count, r.Buckets, r.Peak, r.Normal))
		}
	}
	for i, s := range st.Sources {
		if len(s.IntervalsMS) > maxIntervals {
			bad("sources", i, fmt.Sprintf("at most %d intervals_ms", maxIntervals), len(s.IntervalsMS))
			continue
		}
		for _, v := range s.IntervalsMS {
			if v <= 0 {
				bad("sources", i, "intervals_ms > 0", v)
				break
			}
		}
		if s.Typical < 0 {
			bad("sources", i, "typical_ns >= 0", int64(s.Typical))
		}
		if !finiteNonNeg(s.LongestMS) || !finiteNonNeg(s.Flaps) {
			bad("sources", i, "longest_ms and flaps to be finite numbers >= 0", fmt.Sprintf("%v, %v", s.LongestMS, s.Flaps))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("decode anomaly state: %w", err)
	}
	return &st, nil
}

func finiteNonNeg(f float64) bool { return f >= 0 && !math.IsInf(f, 0) && !math.IsNaN(f) }

// restore loads a decoded state at now. Buckets that ended while the
// collector was down are not counted as zeros (nothing was watched): the
// open bucket starts again at now. Silence is measured from now for sources
// that were not already silent, and the interval that spans the restart is
// not recorded. Error-rate baselines of another bucket width are dropped.
func (d *detector) restore(st *persistedState, now time.Time) (dropped bool) {
	d.since = st.Since
	if st.Bucket == d.cfg.Bucket {
		for _, r := range st.Rates {
			if len(d.rates) >= d.cfg.MaxSeries {
				break
			}
			s := &rateSeries{start: r.Start, count: r.Count, mean: r.Mean, variance: r.Variance,
				buckets: r.Buckets, firing: r.Firing, episode: r.Episode, peak: r.Peak, normal: r.Normal}
			if open := now.Truncate(d.cfg.Bucket); !s.start.Equal(open) {
				s.start, s.count = open, 0
			}
			s.threshold = d.threshold(s)
			d.rates[rateKey{r.Service, r.Category}] = s
		}
	} else {
		dropped = len(st.Rates) > 0
	}
	for _, p := range st.Sources {
		if len(d.sources) >= d.cfg.MaxSeries {
			break
		}
		s := &sourceSeries{last: p.Last, intervals: slices.Clone(p.IntervalsMS), longest: p.LongestMS, flaps: p.Flaps, firing: p.Firing, typical: p.Typical}
		if !s.firing {
			if now.After(s.last) {
				s.last = now
			}
			s.skipNext = true
		}
		d.sources[sourceKey{p.Source, p.Service, p.SubjectKey, p.SubjectValue}] = s
	}
	for _, n := range st.Names {
		if len(d.names) >= d.cfg.MaxSeries {
			break
		}
		d.names[nameKey{n.Service, n.Name}] = n.LastSeen
	}
	return dropped
}
