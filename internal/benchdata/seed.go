package benchdata

import (
	"encoding/json"
	"os"

	"github.com/genuin/genuinctl/internal/sandbox"
)

// WriteSeed writes to path a sandbox seed: the default seed plus a user
// for every user_id a spec of size s names, so that the spec applies to a
// sandbox started with "--seed path" (phones need no seeding: the sandbox
// makes a placeholder user for an unknown phone).
func WriteSeed(path string, s Size) error {
	seed := sandbox.DefaultSeed()
	for n := 1; n <= s.Memberships(); n++ {
		if kind, id := memberN(n); kind == "user_id" {
			seed.Users = append(seed.Users, sandbox.User{UserID: id})
		}
	}
	data, err := json.Marshal(seed)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
