// Package file is the file target: a JSONL inbox, one generic JSON line
// (the webhook body) per notification.
package file // import "github.com/unitrack/unitrack/exporter/notifyexporter/internal/target/file"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
)

// Factory is the file target type.
var Factory = target.Factory{
	Type:   "file",
	Check:  check,
	Encode: encode,
	New:    func(s target.Settings) target.Target { return &inbox{name: s.Name, path: s.Path} },
}

func check(s target.Settings) []error {
	var errs []error
	if s.Path == "" {
		errs = append(errs, errors.New("path: must be set for type file"))
	}
	if s.Client.Endpoint != "" {
		errs = append(errs, errors.New("endpoint: not valid for type file"))
	}
	return errs
}

func encode(m target.Message) (target.Payload, error) { return target.EncodeJSON("file", m) }

// inbox appends one line per message to a file it keeps open.
type inbox struct {
	name string
	path string
	mu   sync.Mutex
	f    *os.File
}

func (fi *inbox) Start(context.Context, component.Host, component.TelemetrySettings) error {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(fi.path), 0o750); err != nil {
		return fmt.Errorf("open inbox file: %w", err)
	}
	f, err := os.OpenFile(fi.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("open inbox file: %w", err)
	}
	fi.f = f
	return nil
}

func (fi *inbox) Deliver(_ context.Context, m target.Message) error {
	p, err := encode(m)
	if err != nil {
		return consumererror.NewPermanent(err)
	}
	if err := fi.write(p.Body); err != nil {
		return fmt.Errorf("target %q: write inbox file: %w", fi.name, err)
	}
	return nil
}

func (fi *inbox) write(line []byte) error {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if fi.f == nil {
		return errors.New("inbox file is closed")
	}
	buf := make([]byte, 0, len(line)+1)
	buf = append(append(buf, line...), '\n')
	_, err := fi.f.Write(buf)
	return err
}

func (fi *inbox) Shutdown(context.Context) error {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if fi.f == nil {
		return nil
	}
	err := fi.f.Close()
	fi.f = nil
	if err != nil {
		return fmt.Errorf("close inbox file: %w", err)
	}
	return nil
}
