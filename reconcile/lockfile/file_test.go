package lockfile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckpointRoundTripAndSerial(t *testing.T) {
	path := filepath.Join(t.TempDir(), "genuin.lock")
	f, err := Load(path)
	if err != nil || f.Exists() {
		t.Fatalf("Load of a missing file: %v, exists %v", err, f.Exists())
	}
	st := f.Init("sandbox")
	st.Groups["group/c/g"] = &Group{Community: "community/c", Status: StatusCreated, ChatID: "chat",
		Fields: Fields{"name": json.RawMessage(`"G"`)}, Members: map[string]string{"user:u": "u"}}
	if err := f.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(path)
	if st.Serial != 1 || !strings.HasSuffix(string(first), "}\n") {
		t.Fatalf("serial %d, content %q", st.Serial, first)
	}

	// A checkpoint that changes nothing writes nothing and keeps the serial.
	if err := f.Checkpoint(); err != nil || st.Serial != 1 {
		t.Fatalf("no-op checkpoint: err %v serial %d", err, st.Serial)
	}

	again, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.State().Lineage != st.Lineage || again.State().Groups["group/c/g"].Members["user:u"] != "u" {
		t.Fatalf("round trip lost data: %+v", again.State())
	}
	again.State().Groups["group/c/g"].Members["user:v"] = "v"
	if err := again.Checkpoint(); err != nil || again.State().Serial != 2 {
		t.Fatalf("changed checkpoint: err %v serial %d", err, again.State().Serial)
	}
	data, _ := Marshal(again.State())
	reread, _ := os.ReadFile(path)
	if string(data) != string(reread) {
		t.Error("the file is not the deterministic rendering of the state")
	}
}

func TestDamagedLockfileIsReportedAndKept(t *testing.T) {
	tests := map[string]string{
		"truncated":      "{\n  \"format_version\": 1,\n  \"lineage\": \"x\",\n  \"groups\": {",
		"wrong type":     "{\n  \"format_version\": 1,\n  \"lineage\": \"x\",\n  \"serial\": \"seven\"\n}\n",
		"unknown field":  "{\n  \"format_version\": 1,\n  \"lineage\": \"x\",\n  \"surprise\": 1\n}\n",
		"future version": "{\n  \"format_version\": 99,\n  \"lineage\": \"x\"\n}\n",
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "genuin.lock")
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("want an error naming the file, got %v", err)
			}
			if after, _ := os.ReadFile(path); string(after) != content {
				t.Error("a damaged lockfile must be left untouched")
			}
		})
	}
}

func TestSyntaxErrorHasPosition(t *testing.T) {
	_, err := Parse("genuin.lock", []byte("{\n  \"format_version\": 1,\n  \"lineage\": x\n}"))
	if err == nil || !strings.Contains(err.Error(), "genuin.lock:3:") {
		t.Fatalf("want genuin.lock:3:col, got %v", err)
	}
}
