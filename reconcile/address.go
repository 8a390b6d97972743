package reconcile

import (
	"fmt"
	"strings"

	"github.com/genuin/genuinctl/spec"
)

// Address names a managed object: community/<handle>, group/<handle>/<key>,
// or group/<community_id>/<key> for a group in a community the spec does
// not manage. Plans, the lockfile and the commands hold addresses as their
// printed form; ParseAddress reads one back and String prints it (through
// spec's GroupAddress and CommunityAddress, which print every address).
type Address struct {
	// Kind is KindCommunity or KindGroup.
	Kind string
	// Community is the community's handle, or for a group in a community
	// the spec does not manage, the community's id.
	Community string
	// Key is a group's key; "" for a community.
	Key string
}

// ParseAddress reads an address in its printed form.
func ParseAddress(s string) (Address, error) {
	kind, rest, _ := strings.Cut(s, "/")
	switch kind {
	case KindCommunity:
		if rest != "" && !strings.Contains(rest, "/") {
			return Address{Kind: KindCommunity, Community: rest}, nil
		}
	case KindGroup:
		community, key, ok := strings.Cut(rest, "/")
		if ok && community != "" && key != "" && !strings.Contains(key, "/") {
			return Address{Kind: KindGroup, Community: community, Key: key}, nil
		}
	}
	return Address{}, fmt.Errorf("%q is not an address: community/<handle> or group/<community>/<key>", s)
}

// String prints the address.
func (a Address) String() string {
	if a.Kind == KindCommunity {
		return spec.CommunityAddress(a.Community)
	}
	return spec.GroupAddress(a.Community, a.Key)
}

// CommunityAddress is the address of the community a group's address
// names (or of the community itself): for a group in a community the spec
// does not manage, that community is not one of the spec's.
func (a Address) CommunityAddress() Address {
	return Address{Kind: KindCommunity, Community: a.Community}
}

// handleOf is the handle of a community's printed address.
func handleOf(addr string) string {
	a, _ := ParseAddress(addr)
	return a.Community
}
