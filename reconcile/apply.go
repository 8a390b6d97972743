package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/go-multierror"

	"github.com/genuin/genuinctl/internal/genuin"
	"github.com/genuin/genuinctl/reconcile/lockfile"
)

// API is the part of the Genuin client that Apply uses.
type API interface {
	CreateCommunity(ctx context.Context, req *genuin.CreateCommunityRequest) (*genuin.CreateCommunityResponse, error)
	CreateGroup(ctx context.Context, req *genuin.CreateGroupRequest) (*genuin.CreateGroupResponse, error)
	UpdateConversation(ctx context.Context, chatID string, req *genuin.UpdateConversationRequest) (*genuin.UpdateConversationResponse, error)
}

var _ API = (*genuin.Client)(nil)

// Hooks receive Apply's progress; Apply itself never prints. Apply calls
// them one at a time (never two at once, whatever its parallelism), from
// its workers' goroutines.
type Hooks interface {
	// ChangeStarted is called before the first request of a change.
	ChangeStarted(c *Change)
	// ChangeFinished is called once per started change.
	ChangeFinished(c *Change, o Outcome)
}

// Outcome is how one change ended.
type Outcome struct {
	// Err is nil on success; IsStop(Err) when the change stopped before
	// its next request (an interrupt, --timeout or the circuit breaker).
	Err error
	// Calls counts the requests the change sent (the client's retries of
	// one request are not counted).
	Calls int
	// Duration is the time from the change's start to its end.
	Duration time.Duration
}

// ErrInterrupted is returned when the context was cancelled: no new request
// was started, and every finished one is recorded.
var ErrInterrupted = errors.New("apply interrupted: every finished request is recorded; run apply again to continue")

// ErrTimedOut is returned when the context's deadline passed: as for an
// interrupt, no new request was started and every finished one is recorded.
var ErrTimedOut = errors.New("apply timed out: no new request was started once the deadline passed; every finished request is recorded, run apply again to continue")

// stopped is the error for a context that ended: its deadline passed, or
// it was cancelled by an interrupt.
func stopped(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ErrTimedOut
	}
	return ErrInterrupted
}

// IsStop reports whether err means that apply stopped starting requests
// (ErrInterrupted or ErrTimedOut) rather than that a request failed.
func IsStop(err error) bool {
	return errors.Is(err, ErrInterrupted) || errors.Is(err, ErrTimedOut)
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// ChunkSize bounds the members added or removed per request; 0 means
	// DefaultChunkSize. It must match the plan's to keep its call count true.
	ChunkSize int
	// Parallelism is how many changes run at once; 0 means
	// DefaultParallelism, 1 runs them one by one in plan order.
	Parallelism int
	// MaxFailureRate trips the circuit breaker: once more than this
	// fraction of the last BreakerWindow requests failed, no new request
	// starts. 0 means DefaultMaxFailureRate; 1 or more never trips.
	MaxFailureRate float64
}

// DefaultParallelism is how many changes Apply runs at once by default,
// as Terraform's -parallelism.
const DefaultParallelism = 10

// DefaultMaxFailureRate is the share of failed requests, over the last
// BreakerWindow, past which Apply stops starting new ones.
const DefaultMaxFailureRate = 0.2

// BreakerWindow is how many of the latest requests the circuit breaker
// looks at.
const BreakerWindow = 100

// Apply executes the plan's creates, pending creates and updates, recording
// every result in the lockfile before the next request starts. A failure
// stops only its own address; the groups of a community that could not be
// created are held back, counted in the community's failure rather than
// failing one by one. The error lists one *ChangeError per failed address
// (read them with Failures), one per line. When ctx is cancelled, requests
// in flight finish and are recorded, no new one starts, and the error also
// holds ErrInterrupted (ErrTimedOut when ctx's deadline passed).
func Apply(ctx context.Context, plan *Plan, lf *lockfile.File, api API, hooks Hooks, opts ApplyOptions) error {
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = DefaultChunkSize
	}
	a := &applier{api: api, lf: lf, st: lf.State(), chunk: opts.ChunkSize}
	if a.st == nil {
		return errors.New("apply: the lockfile has no state; initialise it first")
	}
	errs := &multierror.Error{ErrorFormat: oneLineEach}
	failed := map[string]*ChangeError{}
	for _, c := range plan.Changes {
		// A change after a failed one of its address (an update after its
		// pending create) waits for the next run: its failure is reported.
		if c.Action == ActionBlocked || failed[c.Address] != nil {
			continue
		}
		if cause := failed[c.Community]; cause != nil && c.Kind == KindGroup {
			cause.HeldBack++
			continue
		}
		if ctx.Err() != nil {
			return multierror.Append(errs, stopped(ctx)).ErrorOrNil()
		}
		hooks.ChangeStarted(c)
		err := a.apply(ctx, c)
		hooks.ChangeFinished(c, Outcome{Err: err})
		var fatal *recordError
		switch {
		case err == nil:
		case errors.As(err, &fatal):
			return multierror.Append(errs, &ChangeError{Address: c.Address, Err: err}).ErrorOrNil()
		case IsStop(err):
			return multierror.Append(errs, stopped(ctx)).ErrorOrNil()
		default:
			failed[c.Address] = &ChangeError{Address: c.Address, Err: err}
			errs = multierror.Append(errs, failed[c.Address])
		}
	}
	return errs.ErrorOrNil()
}

// ChangeError is the failure of one address's change.
type ChangeError struct {
	Address string
	Err     error
	// HeldBack counts the groups of a community whose create failed: they
	// were not attempted, and the next apply creates them.
	HeldBack int
}

func (e *ChangeError) Error() string {
	msg := e.Address + ": " + e.Err.Error()
	switch {
	case e.HeldBack == 1:
		msg += "; 1 group held back"
	case e.HeldBack > 1:
		msg += fmt.Sprintf("; %d groups held back", e.HeldBack)
	}
	return msg
}

func (e *ChangeError) Unwrap() error { return e.Err }

// Failures returns the failed addresses in an error Apply returned, in
// plan order.
func Failures(err error) []*ChangeError {
	var all *multierror.Error
	if !errors.As(err, &all) {
		return nil
	}
	var out []*ChangeError
	for _, e := range all.Errors {
		var ce *ChangeError
		if errors.As(e, &ce) {
			out = append(out, ce)
		}
	}
	return out
}

// oneLineEach formats Apply's errors one per line, instead of
// go-multierror's "N errors occurred" list.
func oneLineEach(errs []error) string {
	lines := make([]string, len(errs))
	for i, err := range errs {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

// recordError is a failure to write the lockfile: Apply stops at once,
// because a result it cannot record would be lost.
type recordError struct{ err error }

func (e *recordError) Error() string {
	return fmt.Sprintf("%v; stopped before the next request so that no result goes unrecorded", e.err)
}
func (e *recordError) Unwrap() error { return e.err }

type applier struct {
	api   API
	lf    *lockfile.File
	st    *lockfile.State // read only: every change goes through lf.Record
	chunk int
}

func (a *applier) apply(ctx context.Context, c *Change) error {
	switch {
	case c.Kind == KindCommunity:
		return a.createCommunity(ctx, c)
	case c.Action == ActionUpdate:
		return a.updateGroup(ctx, c)
	}
	return a.createGroup(ctx, c)
}

// withOp names the operation of a failed request, unless err is an API
// error, which begins with its operation already.
func withOp(op string, err error) error {
	var apiErr *genuin.APIError
	if errors.As(err, &apiErr) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// record makes one result durable before the next request starts.
func (a *applier) record(e lockfile.Entry) error {
	if err := a.lf.Record(e); err != nil {
		return &recordError{err}
	}
	return nil
}

// call runs one request unless ctx is already cancelled. The request itself
// is detached from ctx so that an interrupt lets it finish and be recorded.
func call[T any](ctx context.Context, do func(context.Context) (T, error)) (T, error) {
	if ctx.Err() != nil {
		var zero T
		return zero, stopped(ctx)
	}
	return do(context.WithoutCancel(ctx))
}

func (a *applier) createCommunity(ctx context.Context, c *Change) error {
	want := afterFields(c.Fields)
	handle := strings.TrimPrefix(c.Address, KindCommunity+"/")
	req, err := communityRequest(handle, want)
	if err != nil {
		return fmt.Errorf("plan fields: %w", err)
	}
	intent := &lockfile.Community{Handle: handle, Status: lockfile.StatusPending, Fields: want}
	if err := a.record(lockfile.Entry{Op: lockfile.OpPut, Address: c.Address, Community: intent}); err != nil {
		return err
	}
	resp, err := call(ctx, func(ctx context.Context) (*genuin.CreateCommunityResponse, error) {
		return a.api.CreateCommunity(ctx, req)
	})
	if err != nil {
		if c.Action == ActionCreate && !outcomeUnknown(err) {
			if rerr := a.record(lockfile.Entry{Op: lockfile.OpDelete, Address: c.Address}); rerr != nil {
				return rerr
			}
		}
		return communityCreateError(c, err)
	}
	return a.record(lockfile.Entry{Op: lockfile.OpCreated, Address: c.Address, ID: resp.CommunityID, ShareURL: resp.ShareURL})
}

// communityCreateError explains a failed community create and what to do.
func communityCreateError(c *Change, err error) error {
	var apiErr *genuin.APIError
	switch {
	case IsStop(err):
		return err
	case errors.As(err, &apiErr) && apiErr.Code == genuin.CodeHandleExists && c.Action == ActionPending:
		return fmt.Errorf("%w (an earlier apply probably created it, but without a read API its community_id cannot be learned: record it with \"genuinctl import %s COMMUNITY_ID\")", withOp("create community", err), c.Address)
	case errors.As(err, &apiErr) && apiErr.Code == genuin.CodeHandleExists:
		return fmt.Errorf("%w (choose another handle; if the community is yours, record it with \"genuinctl import %s COMMUNITY_ID\")", withOp("create community", err), c.Address)
	case outcomeUnknown(err):
		return fmt.Errorf("%w (the outcome is unknown: the create is recorded as pending and the next apply re-sends it)", withOp("create community", err))
	}
	return withOp("create community", err)
}

func (a *applier) createGroup(ctx context.Context, c *Change) error {
	communityID, err := a.communityID(c)
	if err != nil {
		return err
	}
	want := afterFields(c.Fields)
	// The intent holds exactly what the create sends, so that a re-send
	// after a crash repeats this request and the result recorded for it
	// comes from the same values.
	inCreate, later := splitCreateMembers(c.MembersAdded, a.chunk)
	req, err := groupRequest(want, c.ChatID, communityID, inCreate)
	if err != nil {
		return fmt.Errorf("plan fields: %w", err)
	}
	intent := &lockfile.Group{Community: c.Community, CommunityID: communityID,
		Status: lockfile.StatusPending, ChatID: c.ChatID, Fields: want}
	for _, m := range inCreate {
		intent.CreateMembers = append(intent.CreateMembers, m.Identity)
	}
	if err := a.record(lockfile.Entry{Op: lockfile.OpPut, Address: c.Address, Group: intent}); err != nil {
		return err
	}

	resp, err := call(ctx, func(ctx context.Context) (*genuin.CreateGroupResponse, error) {
		return a.api.CreateGroup(ctx, req)
	})
	created := lockfile.Entry{Op: lockfile.OpCreated, Address: c.Address}
	switch {
	case err == nil && resp.ChatID != c.ChatID:
		return fmt.Errorf("create group: the API answered with chat_id %s for the chat_id %s sent; nothing was recorded as created and the create stays pending (if %s is this group, record it with \"genuinctl import %s %s\")",
			resp.ChatID, c.ChatID, resp.ChatID, c.Address, resp.ChatID)
	case err == nil:
		created.ID, created.ShareURL = resp.Group.GroupID, resp.ShareURL
	case mayExist(c, err) && answered(err) && a.chatExists(ctx, c.ChatID, req.Group.Name):
		// Our own chat_id exists: an earlier attempt went through, and this
		// answer only says so. Its group_id and share_url were in the lost
		// response; nothing documented returns them.
	default:
		if c.Action == ActionCreate && !outcomeUnknown(err) {
			if rerr := a.record(lockfile.Entry{Op: lockfile.OpDelete, Address: c.Address}); rerr != nil {
				return rerr
			}
		}
		if outcomeUnknown(err) {
			return fmt.Errorf("%w (the outcome is unknown: the create is recorded as pending and the next apply re-sends it with the same chat_id)", withOp("create group", err))
		}
		return withOp("create group", err)
	}
	// Confirming the create records its members too (see CreateMembers).
	if err := a.record(created); err != nil {
		return err
	}
	return a.runUpdates(ctx, c.Address, c.ChatID, updateBatches(nil, later, nil, a.chunk))
}

// communityID is the id of the community a group is created in: an
// existing one the spec names, or one of the spec's, once created.
func (a *applier) communityID(c *Change) (string, error) {
	if c.CommunityID != "" {
		return c.CommunityID, nil
	}
	community := a.st.Communities[c.Community]
	if community == nil || community.Status != lockfile.StatusCreated {
		return "", fmt.Errorf("not attempted: %s is not created yet (its create failed, is pending or is not in the plan)", c.Community)
	}
	return community.CommunityID, nil
}

// chatExists asks whether a chat_id exists the only way the documented API
// allows: an update_conversation that sets the name the create sent, which
// succeeds only for an existing chat and changes nothing.
func (a *applier) chatExists(ctx context.Context, chatID, name string) bool {
	_, err := call(ctx, func(ctx context.Context) (*genuin.UpdateConversationResponse, error) {
		return a.api.UpdateConversation(ctx, chatID, &genuin.UpdateConversationRequest{Name: &name})
	})
	return err == nil
}

func (a *applier) updateGroup(ctx context.Context, c *Change) error {
	rec := a.st.Groups[c.Address]
	if rec == nil || rec.Status != lockfile.StatusCreated {
		return errors.New("update: the lockfile has no created group at this address; run plan again")
	}
	for _, m := range c.MembersRemoved {
		if id, ok := rec.Members[m.Identity]; !ok || memberIDOf(m.Identity, id) != m.MemberID || m.MemberID == "" {
			return fmt.Errorf("update: the plan removes member id %q, which is not the recorded one for that member; run plan again", m.MemberID)
		}
	}
	return a.runUpdates(ctx, c.Address, rec.ChatID, updateBatches(c.Fields, c.MembersAdded, c.MembersRemoved, a.chunk))
}

// runUpdates sends the batches in order, recording each result.
func (a *applier) runUpdates(ctx context.Context, addr, chatID string, batches []updateBatch) error {
	for _, b := range batches {
		req, err := updateRequest(b)
		if err != nil {
			return err
		}
		resp, err := call(ctx, func(ctx context.Context) (*genuin.UpdateConversationResponse, error) {
			return a.api.UpdateConversation(ctx, chatID, req)
		})
		if err != nil {
			if outcomeUnknown(err) {
				// The update may have been applied: record it as uncertain,
				// so that the next plan sends the spec's values again
				// rather than trusting the old ones.
				for _, e := range uncertainEntries(addr, b) {
					if rerr := a.record(e); rerr != nil {
						return rerr
					}
				}
			}
			return withOp("update_conversation", err)
		}
		for _, e := range updateEntries(addr, b, resp) {
			if err := a.record(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// UnknownValue is the value recorded for a field whose update may or may
// not have been applied (its answer was lost): it equals no value a spec
// can ask for, so the next plan sends the field again.
var UnknownValue = json.RawMessage("null")

// uncertainEntries record an update whose outcome is unknown: its fields
// as UnknownValue, and the users it added with no member id (see
// uncertainUser), so that the next plan adds a user again if the spec
// still wants it and removes it if not, rather than leave it behind
// unowned. Phones it added are not recorded: the next plan sends them
// again, as after any failure. Its removals stay recorded: the next plan
// sends them again too.
func uncertainEntries(addr string, b updateBatch) []lockfile.Entry {
	var entries []lockfile.Entry
	if len(b.fields) > 0 {
		e := lockfile.Entry{Op: lockfile.OpFields, Address: addr, Fields: lockfile.Fields{}}
		for _, fc := range b.fields {
			e.Fields[fc.Name] = UnknownValue
		}
		entries = append(entries, e)
	}
	added := map[string]string{}
	for _, m := range b.adds {
		if m.UserID != "" {
			added[m.Identity] = ""
		}
	}
	if len(added) > 0 {
		entries = append(entries, lockfile.Entry{Op: lockfile.OpMembers, Address: addr, Added: added})
	}
	return entries
}

// updateEntries are the journal entries of a successful update: the fields
// applied and the member deltas, with the member ids the response gave.
func updateEntries(addr string, b updateBatch, resp *genuin.UpdateConversationResponse) []lockfile.Entry {
	var entries []lockfile.Entry
	if len(b.fields) > 0 {
		e := lockfile.Entry{Op: lockfile.OpFields, Address: addr, Fields: lockfile.Fields{}}
		for _, fc := range b.fields {
			if fc.After == nil {
				e.Cleared = append(e.Cleared, fc.Name)
			} else {
				e.Fields[fc.Name] = fc.After
			}
		}
		entries = append(entries, e)
	}
	if len(b.adds) > 0 || len(b.removes) > 0 {
		e := lockfile.Entry{Op: lockfile.OpMembers, Address: addr, Added: matchAdded(b.adds, resp.MembersAdded)}
		for _, m := range b.removes {
			e.Removed = append(e.Removed, m.Identity)
		}
		entries = append(entries, e)
	}
	return entries
}

// mayExist reports whether a failed group create may nevertheless have
// made the group: it re-sent a create whose result was never recorded, or
// one of its attempts may have been processed before a retry was refused.
func mayExist(c *Change, err error) bool {
	return c.Action == ActionPending || outcomeUnknown(err)
}

// answered reports whether the last attempt of a failed request got a
// definite answer from the API (a refusal), rather than no answer, a
// gateway error or a request to slow down: only then is asking the API
// whether the chat exists worth a request.
func answered(err error) bool {
	var apiErr *genuin.APIError
	if !errors.As(err, &apiErr) || apiErr.Status == 0 {
		return false
	}
	switch apiErr.Kind {
	case genuin.KindTransient, genuin.KindRateLimited, genuin.KindAuth:
		return false
	}
	return true
}

// outcomeUnknown reports whether a failed request may nevertheless have
// been applied: the client says so for network errors after sending,
// gateway timeouts and unreadable answers. A request never sent because of
// an interrupt was not applied.
func outcomeUnknown(err error) bool {
	var apiErr *genuin.APIError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.OutcomeUnknown
	case IsStop(err):
		return false
	}
	return true
}

// afterFields collects the values a change sets, by field name.
func afterFields(fields []FieldChange) lockfile.Fields {
	out := make(lockfile.Fields, len(fields))
	for _, fc := range fields {
		if fc.After != nil {
			out[fc.Name] = fc.After
		}
	}
	return out
}
