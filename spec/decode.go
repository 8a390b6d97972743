package spec

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder turns the YAML nodes of one schema-checked document into the
// spec's types. Nodes the schema flagged are skipped: their problem is
// already reported, and a zero value stands in for them.
type decoder struct {
	doc     *document
	flagged map[*yaml.Node]bool
	ds      *diagnostics
	set     *memberSet // shared by the decoders of one Load
	// csvLists are the CSV member lists the document names, read ahead
	// (see readAhead), by the node naming each.
	csvLists map[*yaml.Node]*csvList
}

// anyFlagged reports whether the schema flagged n or a node below it.
func (d *decoder) anyFlagged(n *yaml.Node) bool {
	if d.flagged[n] {
		return true
	}
	for _, c := range n.Content {
		if d.anyFlagged(c) {
			return true
		}
	}
	return false
}

func (d *decoder) community(item *yaml.Node) *Community {
	c := &Community{Pos: d.doc.pos(item)}
	for k, v := range pairs(item) {
		switch k {
		case "handle":
			c.Handle = v.Value
		case "name":
			c.Name = v.Value
		case "description":
			c.Description = v.Value
		case "tags":
			c.Tags = stringList(v)
		case "dp":
			c.DP = v.Value
		case "banner":
			c.Banner = v.Value
		case "categories":
			c.Categories.Existing = intList(valueOf(v, "existing"))
			c.Categories.New = stringList(valueOf(v, "new"))
		case "is_ai_generated":
			c.IsAIGenerated = boolean(v)
		case "is_ai_generated_dp":
			c.IsAIGeneratedDP = boolean(v)
		case "is_ai_generated_banner":
			c.IsAIGeneratedBanner = boolean(v)
		case "users":
			c.Users = d.users(v, itemAddress("communities", item))
		case "type":
			t := integer(v)
			c.Type = &t
		case "actions":
			c.Actions = actions(v)
		}
	}
	return c
}

// users decodes a community's first members, de-duplicated.
func (d *decoder) users(n *yaml.Node, addr string) []string {
	var ids []string
	for _, m := range d.members(n, addr) {
		ids = append(ids, m.UserID)
	}
	return ids
}

// members decodes a list of members, de-duplicated.
func (d *decoder) members(n *yaml.Node, addr string) []Member {
	d.set.start(len(items(n)))
	for _, item := range items(n) {
		if m, ok := d.member(item, addr); ok {
			d.set.add(m)
		}
	}
	return d.set.members()
}

// listRefs decodes a group's member_lists.
func (d *decoder) listRefs(n *yaml.Node) []listRef {
	var refs []listRef
	for _, item := range items(n) {
		if !d.flagged[item] {
			refs = append(refs, listRef{name: item.Value, pos: d.doc.pos(item)})
		}
	}
	return refs
}

// group decodes a group. Its members are the inline ones; member lists are
// added when the whole spec is read.
func (d *decoder) group(item *yaml.Node) *Group {
	g := &Group{Type: defaultGroupType, Pos: d.doc.pos(item)}
	g.Community, g.Key = scalarOf(item, "community"), scalarOf(item, "key")
	g.CommunityID = strings.ToLower(scalarOf(item, "community_id"))
	for k, v := range pairs(item) {
		switch k {
		case "name":
			g.Name = v.Value
		case "description":
			g.Description = v.Value
		case "tags":
			g.Tags = stringList(v)
		case "dp":
			g.DP = v.Value
		case "topics":
			g.Topics = intList(v)
		case "settings":
			if dv := valueOf(v, "discoverable"); dv != nil {
				b := boolean(dv)
				g.Discoverable = &b
			}
		case "type":
			g.Type = integer(v)
		case "template_id":
			t := integer(v)
			g.TemplateID = &t
		case "actions":
			g.Actions = actions(v)
		case "is_ai_generated":
			g.IsAIGenerated = boolean(v)
		case "recorded_video":
			g.Video = recordedVideo(v)
		case "members":
			g.Members = d.members(v, itemAddress("groups", item))
		case "chat_id":
			if !d.flagged[v] {
				g.ChatID = strings.ToLower(v.Value)
			}
		case "phones_in_create":
			g.PhonesInCreate = boolean(v)
		}
	}
	return g
}

// subscriberListRef is a subscribers_removed item naming a member list.
type subscriberListRef struct {
	listRef
	alsoMember bool
}

// subscribers decodes a group's subscribers_removed: the users written
// inline, and the member lists named, resolved once every file is read.
func (d *decoder) subscribers(n *yaml.Node, addr string) (inline []Subscriber, lists []subscriberListRef) {
	for _, item := range items(n) {
		if d.anyFlagged(item) {
			continue
		}
		user, list := valueOf(item, "user_id"), valueOf(item, "member_list")
		also := boolean(valueOf(item, "also_member"))
		switch {
		case user != nil && list != nil:
			d.ds.add(d.doc.pos(list), addr, "subscribers_removed: give user_id or member_list in one item, not both")
		case user != nil:
			id, err := normaliseUserID(user.Value)
			if err != nil {
				d.ds.add(d.doc.pos(user), addr, "subscribers_removed: %v", err)
				continue
			}
			inline = append(inline, Subscriber{UserID: id, AlsoMember: also, Pos: d.doc.pos(item)})
		case list != nil:
			lists = append(lists, subscriberListRef{listRef{name: list.Value, pos: d.doc.pos(list)}, also})
		default:
			d.ds.add(d.doc.pos(item), addr, "subscribers_removed: an item needs a user_id or a member_list")
		}
	}
	return inline, lists
}

// defaultGroupType is the group type of a loop, used when a group gives none.
const defaultGroupType = 4

// member decodes one member object, normalising its identity. It reports
// an invalid identity and returns false for it.
func (d *decoder) member(item *yaml.Node, addr string) (Member, bool) {
	if d.flagged[item] {
		return Member{}, false
	}
	var m Member
	var err error
	for k, v := range pairs(item) {
		if d.flagged[v] {
			return Member{}, false
		}
		switch k {
		case "user_id":
			m, err = userMember(v.Value, d.doc.pos(item))
		case "phone":
			m, err = phoneMember(v.Value, d.doc.pos(item))
		}
		if err != nil {
			d.ds.add(d.doc.pos(v), addr, "%v", err)
			return Member{}, false
		}
	}
	return m, m.UserID != "" || m.Phone != ""
}

func recordedVideo(n *yaml.Node) *Video {
	v := &Video{}
	text := map[string]*string{
		"message_id": &v.MessageID, "video_name": &v.VideoName,
		"thumbnail_name": &v.ThumbnailName, "video_path": &v.VideoPath,
		"thumbnail_path": &v.ThumbnailPath, "link": &v.Link, "size": &v.Size,
		"aspect_ratio": &v.AspectRatio, "resolution": &v.Resolution,
		"description_text": &v.DescriptionText, "description_data": &v.DescriptionData,
	}
	for k, val := range pairs(n) {
		if p, ok := text[k]; ok {
			*p = val.Value
			continue
		}
		switch k {
		case "is_ai_generated_video":
			v.IsAIGeneratedVideo = boolean(val)
		case "is_ai_generated_thumbnail":
			v.IsAIGeneratedThumbnail = boolean(val)
		case "duration":
			v.Duration = integer(val)
		case "meta_data":
			v.Topic = scalarOf(val, "topic")
		}
	}
	return v
}

func actions(n *yaml.Node) []Action {
	var out []Action
	for _, item := range items(n) {
		out = append(out, Action{
			ActionID:     integer(valueOf(item, "action_id")),
			AccessTypeID: integer(valueOf(item, "access_type_id")),
		})
	}
	return out
}

// The scalar decoders below trust the schema: a node of the wrong type
// (already reported) decodes to the zero value.

func boolean(n *yaml.Node) bool {
	return n != nil && n.ShortTag() == "!!bool" && strings.EqualFold(n.Value, "true")
}

func integer(n *yaml.Node) int {
	if n == nil || n.ShortTag() != "!!int" {
		return 0
	}
	i, _ := parseInt(n.Value)
	return int(i)
}

func intList(n *yaml.Node) []int {
	var out []int
	for _, item := range items(n) {
		out = append(out, integer(item))
	}
	return out
}

func stringList(n *yaml.Node) []string {
	var out []string
	for _, item := range items(n) {
		out = append(out, item.Value)
	}
	return out
}
