package notifyexporter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
	"github.com/unitrack/unitrack/internal/storageclient"
)

// stateKey is the storage key of the grouping state.
const (
	stateKey     = "groups"
	stateVersion = 1
)

// persistedState is what survives a restart: every target's open groups.
type persistedState struct {
	Version int                 `json:"version"`
	Targets map[string][]*group `json:"targets"`
	// OneShots are the dedupe windows of one-shot messages, per target.
	OneShots map[string]map[string]*oneShotSeen `json:"one_shots,omitempty"`
	// Backlog are notifications made but not yet accepted by a queue.
	Backlog []target.Notification `json:"backlog,omitempty"`
	// Seen are the ids of the events last counted, oldest first (dedup_window).
	Seen []string `json:"seen,omitempty"`
}

// stateStore keeps the grouping state across restarts.
type stateStore interface {
	load(ctx context.Context) ([]byte, error)
	save(ctx context.Context, b []byte) error
	close(ctx context.Context) error
}

// storageState keeps the state in a storage extension's client.
type storageState struct{ client storage.Client }

func (s *storageState) load(ctx context.Context) ([]byte, error) { return s.client.Get(ctx, stateKey) }
func (s *storageState) save(ctx context.Context, b []byte) error {
	return s.client.Set(ctx, stateKey, b)
}
func (s *storageState) close(ctx context.Context) error { return s.client.Close(ctx) }

// fileState keeps the state in a file, replaced atomically on each save.
type fileState struct{ path string }

func (s *fileState) load(context.Context) ([]byte, error) {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

func (s *fileState) save(_ context.Context, b []byte) error {
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}

func (*fileState) close(context.Context) error { return nil }

// openStateStore returns the configured store, or nil when the state lives
// in memory only.
func openStateStore(ctx context.Context, cfg *Config, host component.Host, id component.ID) (stateStore, error) {
	switch {
	case cfg.Storage != nil:
		client, err := storageclient.Open(ctx, host, cfg.Storage, component.KindExporter, id, "notify_state")
		if err != nil {
			return nil, err
		}
		return &storageState{client: client}, nil
	case cfg.StateDirectory != "":
		if err := os.MkdirAll(cfg.StateDirectory, 0o750); err != nil {
			return nil, fmt.Errorf("state_directory: %w", err)
		}
		name := "notify_" + strings.NewReplacer("/", "_", string(filepath.Separator), "_").Replace(id.String()) + ".state.json"
		return &fileState{path: filepath.Join(cfg.StateDirectory, name)}, nil
	}
	return nil, nil
}

// encodeState snapshots the groupers' state and the ids seen.
func encodeState(groupers []*grouper, backlog []target.Notification, seen []string) ([]byte, error) {
	st := persistedState{Version: stateVersion, Targets: make(map[string][]*group, len(groupers)), Backlog: backlog, Seen: seen}
	for _, gr := range groupers {
		gs := make([]*group, 0, len(gr.groups))
		for _, g := range gr.groups {
			gs = append(gs, g)
		}
		st.Targets[gr.target] = gs
		if len(gr.oneShots) > 0 {
			if st.OneShots == nil {
				st.OneShots = make(map[string]map[string]*oneShotSeen, len(groupers))
			}
			st.OneShots[gr.target] = gr.oneShots
		}
	}
	return json.Marshal(st)
}

// decodeState restores groups into the groupers of the targets that still
// exist; groups of removed targets are dropped. It returns how many groups
// were restored, the backlog of unqueued notifications and the ids seen.
func decodeState(b []byte, groupers []*grouper) (int, []target.Notification, []string, error) {
	if len(b) == 0 {
		return 0, nil, nil, nil
	}
	var st persistedState
	if err := json.Unmarshal(b, &st); err != nil {
		return 0, nil, nil, fmt.Errorf("decode grouping state: %w", err)
	}
	if st.Version != stateVersion {
		return 0, nil, nil, fmt.Errorf("decode grouping state: version %d, want %d", st.Version, stateVersion)
	}
	n := 0
	for _, gr := range groupers {
		for _, g := range st.Targets[gr.target] {
			if g == nil || g.Key == "" && len(gr.s.groupBy) > 0 {
				continue
			}
			if g.IDHead < 0 || g.IDHead > len(g.IDs) {
				g.IDHead = 0
			}
			// Store the ring oldest first, trimmed to the configured size.
			ids := append(append([]string{}, g.IDs[g.IDHead:]...), g.IDs[:g.IDHead]...)
			g.IDs, g.IDHead = ids[max(0, len(ids)-gr.s.maxEventIDs):], 0
			gr.groups[g.Key] = g
			n++
		}
		for k, seen := range st.OneShots[gr.target] {
			if seen != nil {
				gr.oneShots[k] = seen
			}
		}
	}
	backlog := st.Backlog[:0]
	for _, bn := range st.Backlog {
		if bn.Target != "" && (bn.Status == target.StatusFiring || bn.Status == target.StatusResolved) {
			backlog = append(backlog, bn)
		}
	}
	return n, backlog, st.Seen, nil
}
