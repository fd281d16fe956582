package main

import (
	"errors"
	"sort"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
)

// Item is one catalog entry. Attributes are free-form JSON, kept as a protobuf Struct so the
// HTTP API and any gRPC client see the same value.
type Item struct {
	ID         string           `json:"id" yaml:"id" mapstructure:"id"`
	Name       string           `json:"name" yaml:"name" mapstructure:"name"`
	PriceCents int64            `json:"price_cents" yaml:"price_cents" mapstructure:"price_cents"`
	Tags       []string         `json:"tags,omitempty" yaml:"tags,omitempty" mapstructure:"tags"`
	Attributes *structpb.Struct `json:"-" yaml:"-" mapstructure:"-"`
	Updated    time.Time        `json:"updated" yaml:"updated" mapstructure:"-"`
	Version    uint64           `json:"version" yaml:"version" mapstructure:"-"`
}

var (
	errNotFound = errors.New("item not found")
	errConflict = errors.New("version conflict")
)

// Store is an in-memory, optimistic-concurrency item store.
type Store struct {
	mu      sync.RWMutex
	items   map[string]Item
	changes uint64
}

func NewStore(seed map[string]Item) *Store {
	s := &Store{items: make(map[string]Item, len(seed))}
	now := time.Now().UTC()
	for id, it := range seed {
		it.ID, it.Updated, it.Version = id, now, 1
		s.items[id] = it
	}
	return s
}

func (s *Store) Get(id string) (Item, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	it, ok := s.items[id]
	if !ok {
		return Item{}, errNotFound
	}
	return it, nil
}

// List returns items sorted by ID, at most limit of them after `after`.
func (s *Store) List(after string, limit int) []Item {
	s.mu.RLock()
	out := make([]Item, 0, len(s.items))
	for _, it := range s.items {
		if it.ID > after {
			out = append(out, it)
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Put stores it; a non-zero ifVersion must match the stored version.
func (s *Store) Put(it Item, ifVersion uint64) (Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, exists := s.items[it.ID]
	if ifVersion != 0 && (!exists || old.Version != ifVersion) {
		return Item{}, errConflict
	}
	it.Version = old.Version + 1
	it.Updated = time.Now().UTC()
	s.items[it.ID] = it
	s.changes++
	return it, nil
}

func (s *Store) Delete(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[id]; !ok {
		return errNotFound
	}
	delete(s.items, id)
	s.changes++
	return nil
}

// Snapshot returns every item and the change counter, for backups.
func (s *Store) Snapshot() ([]Item, uint64) {
	items := s.List("", 0)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return items, s.changes
}

func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.items)
}
