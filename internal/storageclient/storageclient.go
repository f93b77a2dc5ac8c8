// Package storageclient finds a storage extension (file_storage, ...) among
// the host's extensions and opens a client on it: the one lookup that every
// unitrack component keeping state across restarts shares.
package storageclient

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// Open returns a client of the storage extension id for the component self
// (of the given kind); name tells several clients of one component apart and
// may be empty. A nil id means no storage is configured: Open returns a nil
// client and no error, so the caller keeps its state in memory.
func Open(ctx context.Context, host component.Host, id *component.ID, kind component.Kind, self component.ID, name string) (storage.Client, error) {
	if id == nil {
		return nil, nil
	}
	ext, ok := host.GetExtensions()[*id]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q not found", id.String())
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", id.String())
	}
	client, err := se.GetClient(ctx, kind, self, name)
	if err != nil {
		return nil, fmt.Errorf("storage: client from %q: %w", id.String(), err)
	}
	return client, nil
}
