package lockfile

import (
	"strings"
)

// The corpus of lockfiles the tests share: the validation tests check each
// invalid one's message and position, the schema test
// (schema_test.go) checks that schema/lockfile.schema.json agrees with
// Parse on them, and the fuzz targets start from them.

// baseLockfile is a valid lockfile in genuinctl's own formatting: a created
// community, a created group with a member, a pending group with the
// members its create sends, and a group in an existing community.
const baseLockfile = `{
  "format_version": 1,
  "lineage": "0f2c3a52-6f4e-4c55-9c1e-5e0e1d2b3c4d",
  "serial": 3,
  "endpoint": "sandbox",
  "communities": {
    "community/acme": {
      "handle": "acme",
      "status": "created",
      "community_id": "c-1",
      "share_url": "https://x/acme",
      "fields": {
        "name": "Acme"
      }
    }
  },
  "groups": {
    "group/acme/one": {
      "community": "community/acme",
      "community_id": "c-1",
      "status": "created",
      "chat_id": "chat-1",
      "group_id": "g-1",
      "fields": {
        "name": "One",
        "template_id": null
      },
      "members": {
        "phone:919876543210": "",
        "user:u1": "u1"
      }
    },
    "group/acme/two": {
      "community": "community/acme",
      "community_id": "c-1",
      "status": "pending",
      "chat_id": "chat-2",
      "fields": {
        "name": "Two"
      },
      "create_members": [
        "user:u2",
        "user:u3"
      ]
    },
    "group/f2a05adb-93ce-4a19-b003-3523fa745667/p": {
      "community_id": "f2a05adb-93ce-4a19-b003-3523fa745667",
      "status": "created",
      "chat_id": "chat-3"
    }
  }
}
`

// An edit replaces the first occurrence of old in baseLockfile by new.
type edit struct{ old, new string }

// InvalidLockfile is a lockfile Parse must refuse.
type InvalidLockfile struct {
	Name  string
	edits []edit
	// append is added after the document.
	append string
	// at is where the problem is reported: the start of the nth (from 1)
	// occurrence of at in the edited content.
	at  string
	nth int
	// skip is how far into at the problem is.
	skip int
	// Message is what the problem says, after "genuin.lock:line:col: ".
	Message string
	// Schema says whether schema/lockfile.schema.json can say it too;
	// false for the rules a schema cannot state (unique chat_ids, a handle
	// equal to its address's, trailing data, duplicate keys...).
	Schema bool
}

// Content is the lockfile's content.
func (c InvalidLockfile) Content() string {
	s := baseLockfile
	for _, e := range c.edits {
		if !strings.Contains(s, e.old) {
			panic(c.Name + ": no " + e.old)
		}
		s = strings.Replace(s, e.old, e.new, 1)
	}
	return s + c.append
}

// offset is where the problem is expected.
func (c InvalidLockfile) offset() int {
	s, off := c.Content(), 0
	for i := 0; i < max(c.nth, 1); i++ {
		j := strings.Index(s[off:], c.at)
		if j < 0 {
			panic(c.Name + ": no " + c.at)
		}
		if i > 0 {
			j += off
		}
		off = j + len(c.at)
		if i == max(c.nth, 1)-1 {
			return j + c.skip
		}
	}
	return -1
}

const groupTwo = `"group/acme/two": {
      "community": "community/acme",
      "community_id": "c-1",
      "status": "pending",
      "chat_id": "chat-2",
      "fields": {
        "name": "Two"
      },
      "create_members": [
        "user:u2",
        "user:u3"
      ]
    }`

const community = `"community/acme": {
      "handle": "acme",
      "status": "created",
      "community_id": "c-1",
      "share_url": "https://x/acme",
      "fields": {
        "name": "Acme"
      }
    }`

// InvalidLockfiles is the corpus of refused lockfiles, one problem each.
var InvalidLockfiles = []InvalidLockfile{
	{Name: "two groups with one chat_id", edits: []edit{{`"chat_id": "chat-2"`, `"chat_id": "chat-1"`}},
		at: `"chat_id": "chat-1"`, nth: 2, Message: `group/acme/two: chat_id "chat-1" is also the chat_id of group/acme/one: each group has its own`},
	{Name: "negative serial", edits: []edit{{`"serial": 3`, `"serial": -1`}},
		at: `"serial"`, Message: "serial -1 is negative", Schema: true},
	{Name: "serial overflows int64", edits: []edit{{`"serial": 3`, `"serial": 99999999999999999999`}},
		at: `99999999999999999999`, Message: "serial 99999999999999999999 is out of range", Schema: true},
	{Name: "serial at the largest int64", edits: []edit{{`"serial": 3`, `"serial": 9223372036854775807`}},
		at: `"serial"`, Message: "serial 9223372036854775807 leaves no room for the next write", Schema: true},
	{Name: "serial not an integer", edits: []edit{{`"serial": 3`, `"serial": 3.5`}},
		at: `3.5`, Message: "serial must be an integer, not 3.5", Schema: true},
	{Name: "serial a string", edits: []edit{{`"serial": 3`, `"serial": "3"`}},
		at: `"3"`, Message: "serial must be an integer, not a string", Schema: true},
	{Name: "trailing JSON", append: `{"serial": 4}` + "\n",
		at: `{"serial": 4}`, Message: "unexpected data after the end of the document"},
	{Name: "trailing garbage", append: "garbage",
		at: "garbage", Message: "unexpected data after the end of the document"},
	{Name: "null group record", edits: []edit{{groupTwo, `"group/acme/two": null`}},
		at: `"group/acme/two": null`, skip: 18, Message: "group/acme/two: the record must be an object, not null", Schema: true},
	{Name: "null community record", edits: []edit{{community, `"community/acme": null`}},
		at: `"community/acme": null`, skip: 18, Message: "community/acme: the record must be an object, not null", Schema: true},
	{Name: "null communities", edits: []edit{{`"communities": {`, `"communities": null, "x": {`}},
		at: `"communities": null`, skip: 15, Message: "communities must be an object, not null", Schema: true},
	{Name: "unknown status", edits: []edit{{`"status": "pending"`, `"status": "Pending"`}},
		at: `"status": "Pending"`, Message: `group/acme/two: status "Pending" is neither "pending" nor "created"`, Schema: true},
	{Name: "empty chat_id", edits: []edit{{`"chat_id": "chat-2"`, `"chat_id": ""`}},
		at: `"chat_id": ""`, Message: "group/acme/two: chat_id is empty", Schema: true},
	{Name: "chat_id a number", edits: []edit{{`"chat_id": "chat-2"`, `"chat_id": 2`}},
		at: `2,`, Message: "group/acme/two: chat_id must be a string, not a number", Schema: true},
	{Name: "community key not an address", edits: []edit{{`"community/acme": {`, `"community/acme/x": {`}},
		at: `"community/acme/x"`, Message: `community/acme/x: "community/acme/x" is not an address community/<handle>: the handle contains '/'`, Schema: true},
	{Name: "group key not an address", edits: []edit{{`"group/acme/two": {`, `"group/acme": {`}},
		at: `"group/acme"`, Message: `group/acme: "group/acme" is not an address group/<community>/<key>`, Schema: true},
	{Name: "group key with an empty key", edits: []edit{{`"group/acme/two": {`, `"group/acme/": {`}},
		at: `"group/acme/"`, Message: `group/acme/: "group/acme/" is not an address group/<community>/<key>: the key is empty`, Schema: true},
	{Name: "key neither kind", edits: []edit{{`"group/acme/two": {`, `"acme/two": {`}},
		at: `"acme/two"`, Message: `acme/two: "acme/two" is not an address (community/<handle> or group/<community>/<key>)`, Schema: true},
	{Name: "a group's address among communities", edits: []edit{{`"community/acme": {`, `"group/acme/x": {`}},
		at: `"group/acme/x"`, Message: `group/acme/x: "group/acme/x" is a group's address, not a community's`, Schema: true},
	{Name: "handle not the address's", edits: []edit{{`"handle": "acme"`, `"handle": "acme2"`}},
		at: `"handle"`, Message: `community/acme: handle "acme2" is not the handle of the address ("acme")`},
	{Name: "created community without community_id", edits: []edit{{`"community_id": "c-1",
      "share_url"`, `"share_url"`}},
		at: `"status": "created"`, Message: "community/acme: a created community must have its community_id", Schema: true},
	{Name: "create_members on a created group", edits: []edit{{`"status": "pending"`, `"status": "created"`}},
		at: `"create_members"`, Message: "group/acme/two: create_members belong to a pending create only, not to a created group", Schema: true},
	{Name: "create_members not an identity", edits: []edit{{`"user:u2"`, `"u2"`}},
		at: `"create_members"`, Message: `group/acme/two: create_members[0] "u2" is not user:<id> or phone:<digits>`, Schema: true},
	{Name: "subscribers_removed not by user id", edits: []edit{{`"chat_id": "chat-3"`, `"chat_id": "chat-3", "subscribers_removed": ["phone:919876543210"]`}},
		at: `"subscribers_removed"`, Message: `group/f2a05adb-93ce-4a19-b003-3523fa745667/p: subscribers_removed[0] "phone:919876543210" is not user:<id>`, Schema: true},
	{Name: "subscribers_removed twice", edits: []edit{{`"chat_id": "chat-3"`, `"chat_id": "chat-3", "subscribers_removed": ["user:u1", "user:u1"]`}},
		at: `"subscribers_removed"`, Message: `group/f2a05adb-93ce-4a19-b003-3523fa745667/p: subscribers_removed[1] "user:u1" is listed twice`, Schema: true},
	{Name: "subscribers_removed a string", edits: []edit{{`"chat_id": "chat-3"`, `"chat_id": "chat-3", "subscribers_removed": "user:u1"`}},
		at: `"user:u1"`, nth: 2, Message: `group/f2a05adb-93ce-4a19-b003-3523fa745667/p: subscribers_removed must be an array, not a string`, Schema: true},
	{Name: "create_members twice", edits: []edit{{`"user:u3"`, `"user:u2"`}},
		at: `"create_members"`, Message: `group/acme/two: create_members[1] "user:u2" is listed twice`, Schema: true},
	{Name: "create_members with an empty id", edits: []edit{{`"user:u3"`, `"user:"`}},
		at: `"create_members"`, Message: `group/acme/two: create_members[1] "user:" is not user:<id> or phone:<digits>`, Schema: true},
	{Name: "fields null", edits: []edit{{`"fields": {
        "name": "Two"
      }`, `"fields": null`}},
		at: `"fields": null`, skip: 10, Message: "group/acme/two: fields must be an object, not null", Schema: true},
	{Name: "fields an array", edits: []edit{{`"fields": {
        "name": "Two"
      }`, `"fields": ["Two"]`}},
		at: `["Two"]`, Message: "group/acme/two: fields must be an object, not an array", Schema: true},
	{Name: "member not an identity", edits: []edit{{`"user:u1": "u1"`, `"u1": "u1"`}},
		at: `"u1": "u1"`, Message: `group/acme/one: member "u1" is not user:<id> or phone:<digits>`, Schema: true},
	{Name: "member identity with a newline", edits: []edit{{`"user:u1": "u1"`, `"user:u\n1": "u1"`}},
		at: `"user:u\n1"`, Message: `group/acme/one: member "user:u\n1" is not user:<id> or phone:<digits>`, Schema: true},
	{Name: "user member with another user's member id", edits: []edit{{`"user:u1": "u1"`, `"user:u1": "u9"`}},
		at: `"user:u1"`, Message: `group/acme/one: member "user:u1" has member id "u9": a member added by user id has its user id as member id ("u1")`},
	{Name: "member id with an escape", edits: []edit{{`"phone:919876543210": ""`, `"phone:919876543210": "\u001b[31m"`}},
		at: `"phone:919876543210"`, Message: `group/acme/one: member "phone:919876543210": member id "\x1b[31m" contains a control character`, Schema: true},
	{Name: "chat_id with a terminal escape", edits: []edit{{`"chat_id": "chat-2"`, `"chat_id": "\u001b]0;PWNED\u0007\u001b[31mRED"`}},
		at: `"chat_id": "\u001b`, Message: `group/acme/two: chat_id "\x1b]0;PWNED\a\x1b[31mRED" contains a control character`, Schema: true},
	{Name: "chat_id with a leading space", edits: []edit{{`"chat_id": "chat-2"`, `"chat_id": " chat-2"`}},
		at: `"chat_id": " chat-2"`, Message: `group/acme/two: chat_id " chat-2" has leading or trailing whitespace`, Schema: true},
	{Name: "share_url with a C1 control", edits: []edit{{`"share_url": "https://x/acme"`, `"share_url": "https://x/\u009b31m"`}},
		at: `"share_url"`, Message: `community/acme: share_url "https://x/\u009b31m" contains a control character`, Schema: true},
	{Name: "endpoint with trailing whitespace", edits: []edit{{`"endpoint": "sandbox"`, `"endpoint": "sandbox "`}},
		at: `"endpoint"`, Message: `endpoint "sandbox " has leading or trailing whitespace`, Schema: true},
	{Name: "group_id with a newline", edits: []edit{{`"group_id": "g-1"`, `"group_id": "g-1\n"`}},
		at: `"group_id"`, Message: `group/acme/one: group_id "g-1\n" contains a control character`, Schema: true},
	{Name: "address with an escape", edits: []edit{{`"group/acme/two": {`, `"group/acme/t\u001b[2Jwo": {`}},
		at: `"group/acme/t`, Message: `"group/acme/t\x1b[2Jwo": "group/acme/t\x1b[2Jwo" is not an address group/<community>/<key>: the key contains a control character`, Schema: true},
	{Name: "member id null", edits: []edit{{`"user:u1": "u1"`, `"user:u1": null`}},
		at: `"user:u1": null`, skip: 11, Message: "group/acme/one: members.user:u1 must be a string, not null", Schema: true},
	{Name: "group's community not its address's", edits: []edit{{`"community": "community/acme"`, `"community": "community/other"`}},
		at: `"community": "community/other"`, Message: `group/acme/one: community "community/other" is not the community of the address (community/acme)`},
	{Name: "duplicate key", edits: []edit{{`"serial": 3,`, `"serial": 3,
  "serial": 4,`}},
		at: `"serial"`, nth: 2, Message: `duplicate key "serial"`},
	{Name: "duplicate record", edits: []edit{{`"group/acme/two": {`, `"group/acme/one": {"status": "created", "chat_id": "chat-9"}, "group/acme/two": {`}},
		at: `"group/acme/one"`, nth: 2, Message: `group/acme/one: duplicate key "group/acme/one"`},
	{Name: "key in another case", edits: []edit{{`"chat_id": "chat-2"`, `"chat_id": "chat-2", "Chat_ID": "chat-1"`}},
		at: `"Chat_ID"`, Message: `group/acme/two: unknown key "Chat_ID" in the record`, Schema: true},
	{Name: "unknown key", edits: []edit{{`"lineage"`, `"surprise": 1,
  "lineage"`}},
		at: `"surprise"`, Message: `unknown key "surprise" in the document`, Schema: true},
	{Name: "missing endpoint", edits: []edit{{`"endpoint": "sandbox",`, ``}},
		at: `{`, Message: `the document has no "endpoint"`, Schema: true},
	{Name: "missing chat_id", edits: []edit{{`"chat_id": "chat-2",`, ``}},
		at: `"group/acme/two"`, Message: `group/acme/two: the record has no "chat_id"`, Schema: true},
	{Name: "empty endpoint", edits: []edit{{`"endpoint": "sandbox"`, `"endpoint": ""`}},
		at: `"endpoint"`, Message: "endpoint is empty", Schema: true},
	{Name: "empty lineage", edits: []edit{{`"lineage": "0f2c3a52-6f4e-4c55-9c1e-5e0e1d2b3c4d"`, `"lineage": ""`}},
		at: `"lineage"`, Message: "lineage is empty", Schema: true},
	{Name: "lineage null", edits: []edit{{`"lineage": "0f2c3a52-6f4e-4c55-9c1e-5e0e1d2b3c4d"`, `"lineage": null`}},
		at: `"lineage": null`, skip: 11, Message: "lineage must be a string, not null", Schema: true},
	{Name: "another format version", edits: []edit{{`"format_version": 1`, `"format_version": 2, "future": true`}},
		at: `"format_version"`, Message: "lockfile format_version 2 is not supported by this genuinctl (it reads version 1)", Schema: true},
	{Name: "invalid UTF-8", edits: []edit{{`"share_url": "https://x/acme"`, "\"share_url\": \"https://x/\xff\""}},
		at: "\xff", Message: "lockfile is damaged (invalid UTF-8)"},
	{Name: "syntax error", edits: []edit{{`"serial": 3,`, `"serial": 3,,`}},
		at: `,,`, skip: 1, Message: "lockfile is damaged (invalid character ',' looking for beginning of object key string)"},
	{Name: "NUL byte", edits: []edit{{`"groups": {`, `"groups": {` + "\x00"}},
		at: "\x00", Message: "lockfile is damaged (invalid character '\\x00' looking for beginning of object key string)"},
}

// ValidLockfiles are lockfiles Parse must accept, each with the state of
// baseLockfile unless it says otherwise.
var ValidLockfiles = map[string]string{
	"genuinctl's own formatting": baseLockfile,
	"CRLF line ends":             strings.ReplaceAll(baseLockfile, "\n", "\r\n"),
	"tab indentation":            strings.ReplaceAll(baseLockfile, "  ", "\t"),
	"on one line":                strings.Join(strings.Fields(baseLockfile), " "),
	"keys in another order": strings.Replace(baseLockfile, `"format_version": 1,
  "lineage": "0f2c3a52-6f4e-4c55-9c1e-5e0e1d2b3c4d",`, `"lineage": "0f2c3a52-6f4e-4c55-9c1e-5e0e1d2b3c4d",
  "format_version": 1,`, 1),
	"an explicit empty community": strings.Replace(baseLockfile, `"community_id": "f2a05adb`, `"community": "", "community_id": "f2a05adb`, 1),
	"empty optional collections":  strings.Replace(baseLockfile, `"chat_id": "chat-3"`, `"chat_id": "chat-3", "fields": {}, "members": {}, "create_members": [], "subscribers_removed": []`, 1),
}

// NewerLockfiles are lockfiles in genuinctl's own formatting that use
// what format 1 gained since its first release (optional keys, which a
// lockfile without them never shows): Parse accepts each and Marshal
// gives it back byte for byte.
var NewerLockfiles = map[string]string{
	// Subscribers removed from a group.
	"subscribers removed": strings.Replace(baseLockfile, `"chat_id": "chat-3"`, `"chat_id": "chat-3",
      "subscribers_removed": [
        "user:u4",
        "user:u5"
      ]`, 1),
	// A pending create that sends a phone member (phones_in_create).
	"a phone member in a pending create": strings.Replace(baseLockfile, `"user:u3"`, `"user:u3",
        "phone:919876543210"`, 1),
}

// emptyLockfile has no records.
const emptyLockfile = `{"format_version": 1, "lineage": "l", "serial": 0, "endpoint": "https://api.example", "communities": {}, "groups": {}}`

// BaseLockfile and EmptyLockfile are valid lockfiles, for the external
// tests.
const (
	BaseLockfile  = baseLockfile
	EmptyLockfile = emptyLockfile
)
