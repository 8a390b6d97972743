package spec

import (
	"fmt"
	"iter"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// pairs yields the keys and values of a mapping node, in order.
func pairs(n *yaml.Node) iter.Seq2[string, *yaml.Node] {
	return func(yield func(string, *yaml.Node) bool) {
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !yield(n.Content[i].Value, n.Content[i+1]) {
				return
			}
		}
	}
}

// items yields the items of a sequence node.
func items(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// valueOf returns the value of key in a mapping node, or nil.
func valueOf(n *yaml.Node, key string) *yaml.Node {
	for k, v := range pairs(n) {
		if k == key {
			return v
		}
	}
	return nil
}

// scalarOf returns the text of a scalar value of key in a mapping node, or
// "" when there is none.
func scalarOf(n *yaml.Node, key string) string {
	if v := valueOf(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// pointerTokens splits a JSON pointer ("/groups/0/name") into its unescaped
// reference tokens.
func pointerTokens(ptr string) []string {
	if ptr == "" {
		return nil
	}
	tokens := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	if strings.Contains(ptr, "~") {
		for i, t := range tokens {
			tokens[i] = unescapeToken.Replace(t)
		}
	}
	return tokens
}

var (
	unescapeToken = strings.NewReplacer("~1", "/", "~0", "~")
	escapeToken   = strings.NewReplacer("~", "~0", "/", "~1")
)

// nodeAt resolves a JSON pointer in a YAML node tree. It stops at the
// deepest node it can reach, so that every error has a position.
func nodeAt(root *yaml.Node, ptr string) *yaml.Node {
	n := root
	for _, t := range pointerTokens(ptr) {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			next = valueOf(n, t)
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(t); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
		}
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

// keyNodeAt returns the key node of the mapping entry a JSON pointer points
// at, or the deepest node on the way when there is none.
func keyNodeAt(root *yaml.Node, ptr string) *yaml.Node {
	tokens := pointerTokens(ptr)
	if len(tokens) == 0 {
		return root
	}
	parent := nodeAt(root, ptr[:strings.LastIndex(ptr, "/")])
	if k := keyNode(parent, tokens[len(tokens)-1]); k != nil {
		return k
	}
	return parent
}

// keyNode is the first key node of a mapping that is the string key, or
// nil.
func keyNode(n *yaml.Node, key string) *yaml.Node {
	for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return k
		}
	}
	return nil
}

// sections names the item of each top-level list, for messages.
var sections = map[string]string{
	"communities":  "community",
	"groups":       "group",
	"member_lists": "member list",
	"generators":   "generator",
	"moved":        "moved block",
}

// addressAt is the address of the item a JSON pointer falls in, or "" when
// it falls in none or the item does not say its address yet.
func addressAt(root *yaml.Node, ptr string) string {
	tokens := pointerTokens(ptr)
	if len(tokens) < 2 {
		return ""
	}
	return itemAddress(tokens[0], nodeAt(root, "/"+tokens[0]+"/"+tokens[1]))
}

// itemAddress is the address an item of a top-level section declares.
func itemAddress(section string, item *yaml.Node) string {
	switch section {
	case "communities":
		if h := scalarOf(item, "handle"); h != "" {
			return CommunityAddress(h)
		}
	case "groups":
		c, k := scalarOf(item, "community"), scalarOf(item, "key")
		if c == "" {
			c = strings.ToLower(scalarOf(item, "community_id"))
		}
		if c != "" && k != "" {
			return GroupAddress(c, k)
		}
	case "member_lists":
		if name := scalarOf(item, "name"); name != "" {
			return memberListAddress(name)
		}
	case "generators":
		if name := scalarOf(item, "name"); name != "" {
			return generatorAddress(name)
		}
	}
	return ""
}

// subjectOf names what a JSON pointer points at, relative to the item it
// falls in: `"members[2].phone"`, `"version"`, "the group", "the file".
func subjectOf(ptr string) string {
	tokens := pointerTokens(ptr)
	switch {
	case len(tokens) == 0:
		return "the file"
	case len(tokens) == 2 && sections[tokens[0]] != "":
		return "the " + sections[tokens[0]]
	case len(tokens) > 2 && sections[tokens[0]] != "":
		tokens = tokens[2:]
	}
	var b strings.Builder
	for _, t := range tokens {
		if _, err := strconv.Atoi(t); err == nil {
			fmt.Fprintf(&b, "[%s]", t)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return strconv.Quote(b.String())
}
