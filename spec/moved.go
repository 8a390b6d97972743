package spec

import "gopkg.in/yaml.v3"

// Move is a moved block: the group the lockfile records at From is the
// one the spec now declares at To, a key renamed or its community named
// another way, as Terraform's moved blocks carry state to a new address.
// Blocks chain: one's To may be another's From (a renamed twice).
type Move struct {
	From, To string
	Pos      Pos
}

// moves decodes a document's moved section; items with schema problems
// are left out (they are reported).
func (d *decoder) moves(n *yaml.Node) []Move {
	var out []Move
	for _, item := range items(n) {
		if !d.anyFlagged(item) {
			out = append(out, Move{From: scalarOf(item, "from"), To: scalarOf(item, "to"), Pos: d.doc.pos(item)})
		}
	}
	return out
}

// checkMoves reports the moved blocks that cannot hold once every group is
// known: an address moved twice or two groups moved onto one, an old
// address still declared, a chain that loops or that ends at no declared
// group. (Only groups move: the schema takes group addresses, a
// community's handle being its identity on the platform.)
func (l *loader) checkMoves() {
	byFrom := map[string]Move{}
	byTo := map[string]Move{}
	for _, m := range l.desired.Moved {
		switch {
		case m.From == m.To:
			l.ds.add(m.Pos, m.From, "moved: from and to are the same address")
		case byFrom[m.From].From != "":
			l.ds.add(m.Pos, m.From, "moved twice (also at %s)", byFrom[m.From].Pos)
		case byTo[m.To].To != "":
			l.ds.add(m.Pos, m.To, "two groups are moved to this address (also at %s): one address holds one group", byTo[m.To].Pos)
		case l.desired.Groups[m.From] != nil:
			l.ds.add(m.Pos, m.From, "moved, but still declared at %s: a moved block's from is the group's old address, no longer in the spec",
				l.desired.Groups[m.From].Pos)
		default:
			byFrom[m.From], byTo[m.To] = m, m
		}
	}
	for _, m := range l.desired.Moved {
		if byFrom[m.From] != m || byTo[m.From].To != "" {
			continue // reported, or in a chain that starts earlier
		}
		seen := map[string]bool{m.From: true}
		end := m.To
		for next, ok := byFrom[end]; ok; next, ok = byFrom[end] {
			if seen[end] {
				break
			}
			seen[end] = true
			end = next.To
		}
		if l.desired.Groups[end] == nil {
			l.ds.add(m.Pos, m.From, "moved to %s, which the spec does not declare: declare the group at its new address", end)
		}
	}
	for _, m := range l.desired.Moved {
		// A cycle has no start: every from in it is some block's to.
		if byFrom[m.From] == m && byTo[m.From].To != "" && cycleFrom(byFrom, m.From) {
			l.ds.add(m.Pos, m.From, "moved blocks form a cycle through this address")
		}
	}
}

// cycleFrom reports whether following the moves from addr comes back to it.
func cycleFrom(byFrom map[string]Move, addr string) bool {
	cur := addr
	for range len(byFrom) {
		next, ok := byFrom[cur]
		if !ok {
			return false
		}
		if cur = next.To; cur == addr {
			return true
		}
	}
	return false
}
