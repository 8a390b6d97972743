package lockfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File is a lockfile on disk and the state read from it.
type File struct {
	path  string
	state *State
	// written is the content last read or written, to skip no-op writes.
	written []byte
}

// ErrNotExist reports that no lockfile exists yet at the path.
var ErrNotExist = errors.New("no lockfile")

// Load reads the lockfile at path. A missing file gives a File whose State
// is nil (see Exists); a file that cannot be parsed is an error naming the
// position, and the file is left as it is.
func Load(path string) (*File, error) {
	f := &File{path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read lockfile: %w", err)
	}
	st, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	f.state, f.written = st, data
	return f, nil
}

// Parse decodes lockfile content; name is used in error messages.
func Parse(name string, data []byte) (*State, error) {
	var st State
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%s: lockfile is damaged (%s); it was left untouched: restore it from git or a backup", positioned(name, data, err), err)
	}
	if st.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s: lockfile format_version %d is not supported by this genuinctl (it reads version %d)", name, st.FormatVersion, FormatVersion)
	}
	if st.Lineage == "" {
		return nil, fmt.Errorf("%s: lockfile has no lineage; it was left untouched", name)
	}
	if st.Communities == nil {
		st.Communities = map[string]*Community{}
	}
	if st.Groups == nil {
		st.Groups = map[string]*Group{}
	}
	return &st, nil
}

// positioned returns name:line:col for a JSON decoding error, or name.
func positioned(name string, data []byte, err error) string {
	var offset int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 {
		return name
	}
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line := 1 + bytes.Count(data[:offset], []byte("\n"))
	col := int(offset) - bytes.LastIndexByte(data[:offset], '\n')
	return fmt.Sprintf("%s:%d:%d", name, line, col)
}

// Path is where the lockfile lives.
func (f *File) Path() string { return f.path }

// Exists reports whether a lockfile was read or has been written.
func (f *File) Exists() bool { return f.state != nil }

// State returns the state, or nil when no lockfile exists yet.
func (f *File) State() *State { return f.state }

// Init gives a File without a lockfile a new, empty state for endpoint.
// It writes nothing; the first Checkpoint does.
func (f *File) Init(endpoint string) *State {
	if f.state == nil {
		f.state = New(endpoint)
	}
	return f.state
}

// Checkpoint writes the state atomically if its content changed since it was
// last read or written, incrementing the serial.
func (f *File) Checkpoint() error {
	if f.state == nil {
		return nil
	}
	if f.written != nil {
		same, err := f.sameContent()
		if err != nil || same {
			return err
		}
	}
	f.state.Serial++
	data, err := Marshal(f.state)
	if err != nil {
		f.state.Serial--
		return err
	}
	if err := WriteAtomic(f.path, data); err != nil {
		f.state.Serial--
		return fmt.Errorf("write lockfile: %w", err)
	}
	f.written = data
	return nil
}

// sameContent reports whether the state equals what was last written.
func (f *File) sameContent() (bool, error) {
	data, err := Marshal(f.state)
	return bytes.Equal(data, f.written), err
}

// Marshal renders a state deterministically: sorted keys, two-space
// indentation, trailing newline.
func Marshal(st *State) ([]byte, error) {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode lockfile: %w", err)
	}
	return append(data, '\n'), nil
}

// WriteAtomic replaces path with data: write a temporary file beside it,
// sync it, rename it over path and sync the directory.
func WriteAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
