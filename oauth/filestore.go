package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// FileStore is a [TokenStore] that keeps every record in one JSON file,
// readable and writable by its owner only (mode 0600, in a folder created
// with mode 0700). Each Save rewrites the file through a temporary file and
// a rename, so a reader never sees a half-written file.
//
// A FileStore is safe for concurrent use within a process. Processes that
// share a file may lose each other's concurrent updates (the last Save
// wins), which costs at most a new login.
type FileStore struct {
	path string
	mu   sync.Mutex
}

// NewFileStore returns a store in the file at path. Nothing is read or
// created until the first Load or Save.
func NewFileStore(path string) *FileStore {
	return &FileStore{path: path}
}

// fileStoreData is the file's content.
type fileStoreData struct {
	Version int                `json:"version"`
	Issuers map[string]*Record `json:"issuers"`
}

// Load implements [TokenStore].
func (s *FileStore) Load(ctx context.Context, issuer string) (*Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.read()
	if err != nil {
		return nil, err
	}
	return d.Issuers[issuer], nil
}

// Save implements [TokenStore].
func (s *FileStore) Save(ctx context.Context, issuer string, r *Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.read()
	if err != nil {
		return err
	}
	if r == nil {
		delete(d.Issuers, issuer)
	} else {
		d.Issuers[issuer] = r
	}
	return s.write(d)
}

func (s *FileStore) read() (*fileStoreData, error) {
	d := &fileStoreData{Version: 1, Issuers: map[string]*Record{}}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mcpclient: oauth store load: %w", err)
	}
	if err := json.Unmarshal(b, d); err != nil {
		return nil, fmt.Errorf("mcpclient: oauth store load %s: %w", s.path, err)
	}
	if d.Issuers == nil {
		d.Issuers = map[string]*Record{}
	}
	return d, nil
}

func (s *FileStore) write(d *fileStoreData) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("mcpclient: oauth store save: %w", err)
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("mcpclient: oauth store save: %w", err)
	}
	// CreateTemp makes the file with mode 0600, so the secrets are never
	// readable by others, not even for a moment.
	f, err := os.CreateTemp(dir, ".oauth-store-*")
	if err != nil {
		return fmt.Errorf("mcpclient: oauth store save: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("mcpclient: oauth store save: %w", err)
	}
	return nil
}
