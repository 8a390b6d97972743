package reconcile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/genuin/genuinctl/spec"
)

func TestViolations(t *testing.T) {
	d, st := testDesired(), appliedState(t)
	g := st.Groups["group/c1/g1"]
	for i := range 18 {
		id := fmt.Sprintf("x%02d", i)
		g.Members["user:"+id] = id
	}
	// 20 recorded members; the spec keeps u1 and the phone: 18 removals.
	p := Diff(d, st, Options{})
	recorded := func(addr string) int { return len(st.Groups[addr].Members) }

	if v := p.Violations(Limits{}, recorded); len(v) != 0 {
		t.Errorf("no limits, violations %v", v)
	}
	v := p.Violations(DefaultLimits, recorded)
	if len(v) != 1 || !strings.Contains(v[0], "group/c1/g1 would lose 18 of its 20 recorded members") {
		t.Errorf("delta violation = %v", v)
	}
	v = p.Violations(Limits{MaxRemovals: 10}, recorded)
	if len(v) != 1 || !strings.Contains(v[0], "18 member removals exceed --max-removals 10") {
		t.Errorf("total removals violation = %v", v)
	}

	for i := range 3 {
		key := fmt.Sprintf("new%d", i)
		d.Groups[spec.GroupAddress("c1", key)] = &spec.Group{Key: key, Community: "c1", Name: key, Type: 4}
	}
	v = Diff(d, st, Options{}).Violations(Limits{MaxCreates: 2}, recorded)
	if len(v) != 1 || !strings.Contains(v[0], "3 creates exceed --max-creates 2") {
		t.Errorf("create violation = %v", v)
	}
}
