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

// communityPart is the community part of an address: a community's
// handle, or a group's community handle or id.
func communityPart(addr string) string {
	a, _ := ParseAddress(addr)
	return a.Community
}
