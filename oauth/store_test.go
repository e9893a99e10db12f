package oauth

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStores(t *testing.T) {
	dir := t.TempDir()
	stores := map[string]func() TokenStore{
		"memory": func() TokenStore { return &MemoryStore{} },
		"file":   func() TokenStore { return NewFileStore(filepath.Join(dir, "sub", "oauth.json")) },
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := newStore()
			if r, err := s.Load(ctx, "https://a.example"); r != nil || err != nil {
				t.Fatalf("Load of an empty store = %v, %v, want nil, nil", r, err)
			}
			rec := &Record{
				Client: &Client{ID: "c", Secret: "s", AuthMethod: "client_secret_basic", RedirectURIs: []string{"http://127.0.0.1/cb"}},
				Tokens: map[string]*Token{"https://m.example/mcp": {AccessToken: "at", TokenType: "Bearer", Expiry: time.Unix(1e9, 0).UTC()}},
			}
			if err := s.Save(ctx, "https://a.example", rec); err != nil {
				t.Fatal(err)
			}
			s.Save(ctx, "https://b.example", &Record{Client: &Client{ID: "other"}})
			got, err := s.Load(ctx, "https://a.example")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(rec, got); diff != "" {
				t.Errorf("Load after Save (-want +got):\n%s", diff)
			}
			got.Client.ID = "changed"
			again, _ := s.Load(ctx, "https://a.example")
			if again.Client.ID != "c" {
				t.Errorf("changing a loaded record changed the store: client %q", again.Client.ID)
			}
			if err := s.Save(ctx, "https://a.example", nil); err != nil {
				t.Fatal(err)
			}
			if r, _ := s.Load(ctx, "https://a.example"); r != nil {
				t.Errorf("Load after deleting = %v, want nil", r)
			}
			if r, _ := s.Load(ctx, "https://b.example"); r == nil || r.Client.ID != "other" {
				t.Errorf("Load of another issuer = %v, want its record", r)
			}
		})
	}
}

func TestFileStorePermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	path := filepath.Join(dir, "oauth.json")
	s := NewFileStore(path)
	if err := s.Save(context.Background(), "https://a.example", &Record{Client: &Client{ID: "c", Secret: "s"}}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %v, want %v", filepath.Base(p), got, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files in the store's folder = %d, want 1 (no temporary file left)", len(entries))
	}
	os.WriteFile(path, []byte("{not json"), 0o600)
	if _, err := s.Load(context.Background(), "https://a.example"); err == nil {
		t.Error("Load of a corrupt file = nil error, want an error")
	}
}
