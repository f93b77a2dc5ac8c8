package kafkastorageextension

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

// store mirrors the topic in memory. Every collector running the extension
// reads the whole topic from the start and then follows it; writes go to
// Kafka only and reach the mirror through the same log, so every mirror
// applies every write in one order. A read first catches up with the end of
// the topic as it is at the time of the read, so it sees every write
// acknowledged before it (by any collector).
type store struct {
	cfg    *Config
	logger *zap.Logger

	client *kgo.Client
	admin  *kadm.Client
	cancel context.CancelFunc
	done   chan struct{}

	mu sync.Mutex
	// values is the topic's current content by record key.
	values map[string][]byte
	// next is the next offset to apply, by partition.
	next map[int32]int64
	// applied is closed (and replaced) whenever records were applied.
	applied chan struct{}
}

var (
	_ storage.Extension = (*store)(nil)
	_ storage.Client    = (*client)(nil)
)

var errStopped = errors.New("kafka_storage: not running")

func newStore(cfg *Config, logger *zap.Logger) *store {
	return &store{cfg: cfg, logger: logger}
}

func (s *store) Start(ctx context.Context, _ component.Host) error {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(s.cfg.Brokers...),
		kgo.ClientID(s.cfg.ClientID),
		kgo.ConsumeTopics(s.cfg.Topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
	)
	if err != nil {
		return fmt.Errorf("kafka_storage: client: %w", err)
	}
	s.client, s.admin = cl, kadm.NewClient(cl)
	s.values, s.next, s.applied = map[string][]byte{}, map[int32]int64{}, make(chan struct{})

	startCtx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.ensureTopic(startCtx); err != nil {
		cl.Close()
		return err
	}
	runCtx, stop := context.WithCancel(context.Background())
	s.cancel, s.done = stop, make(chan struct{})
	go s.follow(runCtx)
	if err := s.catchUp(startCtx); err != nil {
		_ = s.Shutdown(ctx)
		return fmt.Errorf("kafka_storage: reading topic %q: %w", s.cfg.Topic, err)
	}
	s.mu.Lock()
	n := len(s.values)
	s.mu.Unlock()
	s.logger.Info("Kafka storage started", zap.String("topic", s.cfg.Topic), zap.Int("keys", n))
	return nil
}

// ensureTopic creates the compacted topic unless it exists.
func (s *store) ensureTopic(ctx context.Context) error {
	compact := "compact"
	resp, err := s.admin.CreateTopic(ctx, 1, -1, map[string]*string{"cleanup.policy": &compact}, s.cfg.Topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("kafka_storage: create topic %q: %w", s.cfg.Topic, err)
	}
	return nil
}

func (s *store) Shutdown(context.Context) error {
	if s.cancel != nil {
		s.cancel()
		<-s.done
		s.cancel = nil
	}
	if s.client != nil {
		s.client.Close()
		s.client = nil
	}
	return nil
}

// follow applies the topic's records to the mirror in log order.
func (s *store) follow(ctx context.Context) {
	defer close(s.done)
	for {
		fetches := s.client.PollFetches(ctx)
		if ctx.Err() != nil {
			return
		}
		if fetches.IsClientClosed() {
			return
		}
		fetches.EachError(func(topic string, p int32, err error) {
			s.logger.Warn("Kafka storage fetch failed", zap.String("topic", topic), zap.Int32("partition", p), zap.Error(err))
		})
		s.mu.Lock()
		n := 0
		fetches.EachRecord(func(r *kgo.Record) {
			if r.Value == nil {
				delete(s.values, string(r.Key))
			} else {
				s.values[string(r.Key)] = r.Value
			}
			s.next[r.Partition] = r.Offset + 1
			n++
		})
		if n > 0 {
			close(s.applied)
			s.applied = make(chan struct{})
		}
		s.mu.Unlock()
	}
}

// catchUp waits until the mirror holds every record written before it was
// called.
func (s *store) catchUp(ctx context.Context) error {
	var ends kadm.ListedOffsets
	for {
		var err error
		ends, err = s.admin.ListEndOffsets(ctx, s.cfg.Topic)
		if err == nil {
			err = ends.Error()
		}
		if err == nil {
			break
		}
		// A topic just created is not known to every broker at once.
		if !kerr.IsRetriable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { want[o.Partition] = o.Offset })
	return s.waitApplied(ctx, want)
}

// waitApplied waits until every partition's next offset reaches want.
func (s *store) waitApplied(ctx context.Context, want map[int32]int64) error {
	for {
		s.mu.Lock()
		ok := true
		for p, off := range want {
			if off > 0 && s.next[p] < off {
				ok = false
				break
			}
		}
		ch := s.applied
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *store) GetClient(_ context.Context, kind component.Kind, id component.ID, name string) (storage.Client, error) {
	// Namespaced like file_storage: the same component on every collector
	// shares its keys; different components never see each other's.
	prefix := strings.ToLower(kind.String()) + "/" + id.String()
	if name != "" {
		prefix += "/" + name
	}
	return &client{s: s, prefix: prefix + "\x00"}, nil
}

// client is one component's view of the store.
type client struct {
	s      *store
	prefix string
}

func (c *client) opCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.s.cfg.Timeout)
}

func (c *client) Get(ctx context.Context, key string) ([]byte, error) {
	op := storage.GetOperation(key)
	err := c.Batch(ctx, op)
	return op.Value, err
}

func (c *client) Set(ctx context.Context, key string, value []byte) error {
	return c.Batch(ctx, storage.SetOperation(key, value))
}

func (c *client) Delete(ctx context.Context, key string) error {
	return c.Batch(ctx, storage.DeleteOperation(key))
}

// Batch runs the operations in order. A Get sees the topic as of its own
// start, including the writes made earlier in the batch.
func (c *client) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if c.s.client == nil {
		return errStopped
	}
	ctx, cancel := c.opCtx(ctx)
	defer cancel()
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			if err := c.s.catchUp(ctx); err != nil {
				return fmt.Errorf("kafka_storage: get %q: %w", op.Key, err)
			}
			c.s.mu.Lock()
			v, ok := c.s.values[c.prefix+op.Key]
			c.s.mu.Unlock()
			op.Value = nil
			if ok {
				op.Value = append([]byte(nil), v...)
			}
		case storage.Set, storage.Delete:
			var value []byte
			if op.Type == storage.Set {
				// A nil value would be a tombstone: an empty value is kept as one.
				value = append([]byte{}, op.Value...)
			}
			r := &kgo.Record{Topic: c.s.cfg.Topic, Key: []byte(c.prefix + op.Key), Value: value}
			if err := c.s.client.ProduceSync(ctx, r).FirstErr(); err != nil {
				return fmt.Errorf("kafka_storage: write %q: %w", op.Key, err)
			}
			// Read-your-writes: wait until the mirror applied this record.
			if err := c.s.waitApplied(ctx, map[int32]int64{r.Partition: r.Offset + 1}); err != nil {
				return fmt.Errorf("kafka_storage: write %q: %w", op.Key, err)
			}
		default:
			return fmt.Errorf("kafka_storage: unknown operation type %d", op.Type)
		}
	}
	return nil
}

func (c *client) Close(context.Context) error { return nil }
