package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The data file starts with a format marker and a version so a foreign or
// future file is refused rather than misread or overwritten. Version 2
// added the instance id; a version 1 file is read and given one.
const (
	fileFormat  = "genuinctl-sandbox-state"
	fileVersion = 2
)

// fileHead is everything in the data file except users, communities and
// groups, which are written from per-object cached encodings.
type fileHead struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Instance identifies this sandbox's world (see Server.Instance).
	Instance   string     `json:"instance"`
	Brand      Brand      `json:"brand"`
	Categories []Category `json:"categories"`
	Videos     []Video    `json:"videos"`
	Templates  []Template `json:"templates"`
	APIKeys    []APIKey   `json:"api_keys"`
	Tokens     []Token    `json:"tokens"`
}

// fileState is the whole data file, for reading.
type fileState struct {
	fileHead
	Users       []*User      `json:"users"`
	Communities []*Community `json:"communities"`
	Groups      []*Group     `json:"groups"`
}

// Instance identifies the world this sandbox holds: a random id created
// with it and kept in its data file. A sandbox started without its data
// file (deleted, moved, or never written) is a new world with a new id, so
// a client that recorded objects in the old one can tell that they are
// gone.
func (s *Server) Instance() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.instance
}

// Save writes the state to DataFile atomically: a temporary file in the
// same directory, fsync, rename, fsync of the directory. It is a no-op
// when DataFile is "".
func (s *Server) Save() error {
	s.mu.Lock()
	gen := s.gen
	s.mu.Unlock()
	return s.flush(gen, true)
}

// flush makes every change up to generation gen durable. Requests that
// changed state call it after releasing the state lock: while one save is
// writing, later ones queue, and the first of them to run saves all their
// changes at once (group commit), so concurrent clients share fsyncs. A
// response is written only after its change is on disk.
func (s *Server) flush(gen uint64, force bool) error {
	if s.cfg.DataFile == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.savedGen >= gen && !force {
		return nil
	}
	s.mu.Lock()
	b, err := s.st.encode(s.saveBuf[:0])
	latest := s.gen
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode sandbox state: %w", err)
	}
	s.saveBuf = b
	if err := writeAtomic(s.cfg.DataFile, b); err != nil {
		return err
	}
	s.savedGen = latest
	return nil
}

// encode appends the data file to buf. Users, communities and groups keep their encoding
// between saves (a group's is reset when it changes), so a save costs a
// copy of the file rather than a marshal of every object.
func (st *store) encode(buf []byte) ([]byte, error) {
	head, err := json.Marshal(fileHead{
		Format: fileFormat, Version: fileVersion, Instance: st.instance, Brand: st.brand, Categories: st.categories,
		Videos: st.videos, Templates: st.templates, APIKeys: st.apiKeys, Tokens: st.tokens,
	})
	if err != nil {
		return nil, err
	}
	buf = append(buf, head[:len(head)-1]...) // drop the closing brace
	buf = append(buf, `,"users":[`...)
	for i, u := range st.users {
		if u.enc == nil {
			if u.enc, err = json.Marshal(u); err != nil {
				return nil, err
			}
		}
		buf = appendItem(buf, i, u.enc)
	}
	buf = append(buf, `],"communities":[`...)
	for i, c := range st.communities {
		if c.enc == nil {
			if c.enc, err = json.Marshal(c); err != nil {
				return nil, err
			}
		}
		buf = appendItem(buf, i, c.enc)
	}
	buf = append(buf, `],"groups":[`...)
	for i, g := range st.groups {
		if g.enc == nil {
			if g.enc, err = json.Marshal(g); err != nil {
				return nil, err
			}
		}
		buf = appendItem(buf, i, g.enc)
	}
	return append(buf, "]}\n"...), nil
}

func appendItem(buf []byte, i int, item []byte) []byte {
	if i > 0 {
		buf = append(buf, ',', '\n')
	}
	return append(buf, item...)
}

// writeAtomic replaces path with b. The temporary file is created beside
// path by os.CreateTemp (a fresh random name, O_EXCL, mode 0600), so it
// never opens an existing file or follows a link planted at its name; the
// rename then replaces whatever is at path, a symbolic link included,
// without writing through it. (New refuses a symlinked data file, so a
// link is only met here if one was put in place while the sandbox ran.)
func writeAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("save sandbox state: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save sandbox state %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: not every platform syncs directories
		d.Close()
	}
	return nil
}

// load reads a data file. A missing file is (nil, nil): a fresh sandbox.
// A symbolic link, anything but a regular file, and a file over
// maxDataFileSize are refused (see readRegular and refuseSymlink).
func load(path string) (*store, error) {
	if err := refuseSymlink(path); err != nil {
		return nil, err
	}
	b, err := readRegular(path, "sandbox data file", maxDataFileSize)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var marker struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(b, &marker); err != nil {
		return nil, fmt.Errorf("sandbox data file %s is corrupt (%v); refusing to replace it: move it away to start afresh", path, err)
	}
	if marker.Format != fileFormat {
		return nil, fmt.Errorf("sandbox data file %s is not a genuinctl sandbox state file (format %q, want %q); refusing to replace it", path, marker.Format, fileFormat)
	}
	if marker.Version < 1 || marker.Version > fileVersion {
		return nil, fmt.Errorf("sandbox data file %s has version %d; this genuinctl reads versions 1 to %d", path, marker.Version, fileVersion)
	}
	var fs fileState
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fs); err != nil {
		return nil, fmt.Errorf("sandbox data file %s is corrupt (%v); refusing to replace it", path, err)
	}
	st, err := fs.store()
	if err != nil {
		return nil, fmt.Errorf("sandbox data file %s is inconsistent: %v", path, err)
	}
	return st, nil
}

// store rebuilds the indexes, checking that every reference resolves.
func (fs *fileState) store() (*store, error) {
	st := newStore()
	if fs.Instance != "" { // a version 1 file has none and keeps the new one
		st.instance = fs.Instance
	}
	st.brand = fs.Brand
	st.videos, st.templates, st.apiKeys, st.tokens = fs.Videos, fs.Templates, fs.APIKeys, fs.Tokens
	for _, c := range fs.Categories {
		st.addCategory(c)
	}
	for _, u := range fs.Users {
		if u == nil || u.UserID == "" || st.userByID[u.UserID] != nil {
			return nil, errors.New("a user is empty or listed twice")
		}
		st.addUser(u)
	}
	members := func(what string, ms []Member) error {
		for _, m := range ms {
			if st.userByID[m.UserID] == nil {
				return fmt.Errorf("%s: member %s is not a user", what, m.UserID)
			}
		}
		return nil
	}
	for _, c := range fs.Communities {
		if c == nil || st.communityByID[c.CommunityID] != nil {
			return nil, errors.New("a community is empty or listed twice")
		}
		if err := members("community "+c.Handle, c.Members); err != nil {
			return nil, err
		}
		st.addCommunity(c)
	}
	for _, g := range fs.Groups {
		if g == nil || st.groupByID[g.ChatID] != nil {
			return nil, errors.New("a group is empty or listed twice")
		}
		if st.communityByID[g.CommunityID] == nil {
			return nil, fmt.Errorf("group %s: community %s missing", g.ChatID, g.CommunityID)
		}
		if err := members("group "+g.ChatID, g.Members); err != nil {
			return nil, err
		}
		if err := members("group "+g.ChatID, g.Subscribers); err != nil {
			return nil, err
		}
		st.addGroup(g)
	}
	return st, nil
}
