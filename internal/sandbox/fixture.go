package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The documented API has no way to add a subscriber: users subscribe to a
// group through the app. Tests of subscribers_removed need some, so the
// sandbox has a seeding hook that is a test fixture, not part of the API:
// Server.Subscribe, served as POST /_sandbox/subscribe beside the
// inspection endpoints. No Genuin server has it.

// ErrNoSuchChat and ErrNoSuchUser are Subscribe's refusals.
var (
	ErrNoSuchChat = errors.New("no group has this chat_id")
	ErrNoSuchUser = errors.New("no user has this user_id")
)

// Subscribe makes a user a subscriber of a group, as a user does in the
// app, and saves the state. A member may be a subscriber too (the docs'
// update_conversation example removes one user from both). It reports
// whether the user was not a subscriber already.
func (s *Server) Subscribe(chatID, userID string) (bool, error) {
	s.mu.Lock()
	g := s.st.groupByID[strings.ToLower(chatID)]
	if g == nil {
		g = s.st.groupByID[chatID]
	}
	u := s.st.userByID[strings.ToLower(userID)]
	switch {
	case g == nil:
		s.mu.Unlock()
		return false, fmt.Errorf("chat_id %q: %w", chatID, ErrNoSuchChat)
	case u == nil:
		s.mu.Unlock()
		return false, fmt.Errorf("user_id %q: %w", userID, ErrNoSuchUser)
	case slices.ContainsFunc(g.Subscribers, func(m Member) bool { return m.MemberID == u.UserID }):
		s.mu.Unlock()
		return false, nil
	}
	// A subscriber follows the group: role and status of an added member,
	// which the docs give for the only non-owner members they show.
	g.Subscribers = append(g.Subscribers, s.st.member(u, roleMember))
	g.UpdatedAt = s.now().UTC()
	g.enc = nil
	s.gen++
	gen := s.gen
	s.mu.Unlock()
	return true, s.flush(gen, false)
}

// subscribeRequest is the body of POST /_sandbox/subscribe.
type subscribeRequest struct {
	ChatID string `json:"chat_id"`
	UserID string `json:"user_id"`
}

// subscribe serves POST /_sandbox/subscribe {chat_id, user_id}: 200 with
// {subscribed: true} (false when the user was a subscriber already), 400
// for a bad body, 404 for an unknown chat_id or user_id.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rep := fail(http.StatusMethodNotAllowed, "405", "Method Not Allowed", "use POST")
		rep.header = http.Header{"Allow": {http.MethodPost}}
		writeReply(w, rep)
		return
	}
	var in subscribeRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.ChatID == "" || in.UserID == "" {
		writeReply(w, fail(http.StatusBadRequest, "400", "Bad Request", `the body is {"chat_id": "...", "user_id": "..."}`))
		return
	}
	added, err := s.Subscribe(in.ChatID, in.UserID)
	switch {
	case errors.Is(err, ErrNoSuchChat), errors.Is(err, ErrNoSuchUser):
		writeReply(w, fail(http.StatusNotFound, "404", "Not Found", err.Error()))
		return
	case err != nil:
		writeReply(w, fail(http.StatusInternalServerError, "500", "sandbox could not save its state", err.Error()))
		return
	}
	writeReply(w, ok("Subscribed (a sandbox test fixture, not part of the API).", map[string]any{
		"chat_id": in.ChatID, "user_id": in.UserID, "subscribed": added,
	}))
}
