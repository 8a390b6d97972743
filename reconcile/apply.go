package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
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

// ErrBreakerOpen is returned when the client's circuit breaker tripped:
// too many of the latest requests failed, so no new request was started;
// as for an interrupt, every finished one is recorded.
var ErrBreakerOpen = errors.New("apply stopped by the circuit breaker: no new request was started; every finished request is recorded, fix the cause and run apply again")

// errHalted stops the other workers when one could not record a result;
// that worker's error says why.
var errHalted = errors.New("stopped before the next request: another change could not be recorded")

// stopped is the error for a context that ended: the circuit breaker
// tripped, its deadline passed, or it was cancelled by an interrupt.
func stopped(ctx context.Context) error {
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, ErrBreakerOpen), errors.Is(cause, errHalted):
		return cause
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return ErrTimedOut
	}
	return ErrInterrupted
}

// IsStop reports whether err means that apply stopped starting requests
// (ErrInterrupted, ErrTimedOut or ErrBreakerOpen) rather than that a
// request failed.
func IsStop(err error) bool {
	return errors.Is(err, ErrInterrupted) || errors.Is(err, ErrTimedOut) ||
		errors.Is(err, ErrBreakerOpen) || errors.Is(err, errHalted)
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// ChunkSize bounds the members added or removed per request; 0 means
	// DefaultChunkSize. It must match the plan's to keep its call count true.
	ChunkSize int
	// Parallelism is how many changes run at once; 0 means
	// DefaultParallelism, 1 runs them one by one in plan order.
	Parallelism int
}

// DefaultParallelism is how many changes Apply runs at once by default,
// as Terraform's -parallelism.
const DefaultParallelism = 10

func (o ApplyOptions) withDefaults() ApplyOptions {
	if o.ChunkSize <= 0 {
		o.ChunkSize = DefaultChunkSize
	}
	if o.Parallelism <= 0 {
		o.Parallelism = DefaultParallelism
	}
	return o
}

// Apply executes the plan's creates, pending creates and updates with
// opts.Parallelism workers, recording every result in the lockfile before
// the worker that got it sends its next request. The requests of one
// address run in order, on one worker; a group waits for its community's
// create, and the groups of a community that could not be created are held
// back, counted in the community's failure rather than failing one by one.
// A failure stops only its own address. The error lists one *ChangeError
// per failed address in plan order (read them with Failures), one per
// line. When ctx is cancelled, when its deadline passes or when the circuit
// breaker trips, requests in flight finish and are recorded, no new one
// starts, and the error also holds ErrInterrupted, ErrTimedOut or
// ErrBreakerOpen. A result that cannot be recorded stops every worker at
// once.
func Apply(ctx context.Context, plan *Plan, lf *lockfile.File, api API, hooks Hooks, opts ApplyOptions) error {
	opts = opts.withDefaults()
	if lf.State() == nil {
		return errors.New("apply: the lockfile has no state; initialise it first")
	}
	ctx, halt := context.WithCancelCause(ctx)
	defer halt(nil)
	a := &applier{api: api, lf: lf, chunk: opts.ChunkSize, hooks: &serialHooks{h: hooks},
		halt: halt, failed: map[string]*ChangeError{}}
	sched := newSchedule(plan)
	var wg sync.WaitGroup
	for range min(opts.Parallelism, max(len(sched.tasks), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{applier: a}
			for t := sched.take(); t != nil; t = sched.take() {
				ok := w.run(ctx, t, halt)
				sched.finish(t, ok)
				if ctx.Err() != nil {
					sched.close()
				}
			}
			if err := w.sync(); err != nil {
				a.fail("", err, halt)
			}
		}()
	}
	wg.Wait()
	return a.result(ctx, sched)
}

// result assembles Apply's error: the failed addresses in plan order, each
// community with the groups it held back, then why the apply stopped early.
func (a *applier) result(ctx context.Context, sched *schedule) error {
	errs := &multierror.Error{ErrorFormat: oneLineEach}
	for _, t := range sched.tasks {
		if f := a.failed[t.address]; f != nil {
			f.HeldBack = sched.heldBack[t.address]
			errs = multierror.Append(errs, f)
		}
	}
	if a.lastSync != nil {
		errs = multierror.Append(errs, a.lastSync)
	}
	if a.fatal == nil && ctx.Err() != nil {
		if err := stopped(ctx); !errors.Is(err, errHalted) {
			errs = multierror.Append(errs, err)
		}
	}
	return errs.ErrorOrNil()
}

// serialHooks calls the caller's hooks one at a time.
type serialHooks struct {
	mu sync.Mutex
	h  Hooks
}

func (s *serialHooks) ChangeStarted(c *Change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.ChangeStarted(c)
}

func (s *serialHooks) ChangeFinished(c *Change, o Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.ChangeFinished(c, o)
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

// applier is what Apply's workers share.
type applier struct {
	api   API
	lf    *lockfile.File // read through lf.Read: workers record concurrently
	chunk int
	hooks Hooks
	halt  context.CancelCauseFunc // stops every worker, with a cause

	mu     sync.Mutex
	failed map[string]*ChangeError // by address
	fatal  error                   // the first result that could not be recorded
	// lastSync is a worker's failure to sync its last results, after its
	// last change.
	lastSync error
}

// worker runs tasks one at a time; calls counts the requests of the
// change it runs, and unsynced is the last entry it wrote, not yet known
// durable (0 for none).
type worker struct {
	*applier
	calls    int
	unsynced int64
}

// run applies a task's changes in order and reports whether all
// succeeded. After a failure the address's later changes wait for the next
// run (its failure is reported); a result that cannot be recorded halts
// every worker.
func (w *worker) run(ctx context.Context, t *task, halt context.CancelCauseFunc) bool {
	for _, c := range t.changes {
		if ctx.Err() != nil {
			return false
		}
		w.calls = 0
		start := time.Now()
		w.hooks.ChangeStarted(c)
		err := w.apply(ctx, c)
		w.hooks.ChangeFinished(c, Outcome{Err: err, Calls: w.calls, Duration: time.Since(start)})
		if err != nil {
			w.fail(c.Address, err, halt)
			return false
		}
	}
	if t.changes[0].Kind != KindCommunity {
		return true
	}
	// The community's groups are sent with its id once it finishes.
	if err := w.sync(); err != nil {
		w.fail(t.address, err, halt)
		return false
	}
	return true
}

// fail notes an error: a failure of its address, unless the change only
// stopped; a result that could not be recorded also halts every worker
// (address is "" for the last sync of a worker, which belongs to none).
func (a *applier) fail(address string, err error, halt context.CancelCauseFunc) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var fatal *recordError
	if errors.As(err, &fatal) && a.fatal == nil {
		a.fatal = err
		halt(errHalted)
	}
	switch {
	case address == "" && fatal != nil:
		a.lastSync = err
	case address != "" && (fatal != nil || !IsStop(err)):
		a.failed[address] = &ChangeError{Address: address, Err: err}
	}
}

func (w *worker) apply(ctx context.Context, c *Change) error {
	switch {
	case c.Action == ActionMove:
		// The lockfile alone: one entry, so that a crash cannot leave the
		// group at both addresses.
		return w.record(lockfile.Entry{Op: lockfile.OpMove, Address: c.MovedFrom, To: c.Address})
	case c.Kind == KindCommunity:
		return w.createCommunity(ctx, c)
	case c.Action == ActionUpdate:
		return w.updateGroup(ctx, c)
	}
	return w.createGroup(ctx, c)
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

// record applies one result to the state and writes it to the journal;
// it is made durable before w's next request (see sync), so that one
// fsync covers it and the intent of what follows, shared with the other
// workers' (group commit).
func (w *worker) record(e lockfile.Entry) error {
	seq, err := w.lf.Write(e)
	if err != nil {
		return &recordError{err}
	}
	w.unsynced = seq
	return nil
}

// sync makes every entry w wrote durable.
func (w *worker) sync() error {
	if w.unsynced == 0 {
		return nil
	}
	if err := w.lf.Sync(w.unsynced); err != nil {
		return &recordError{err}
	}
	w.unsynced = 0
	return nil
}

// call runs one request for w's change unless ctx is already cancelled.
// The request itself is detached from ctx so that an interrupt lets it
// finish and be recorded. When the client's circuit breaker is open, every
// worker stops: a request it refused to send stops its change, one whose
// retries it cut short fails it.
func call[T any](ctx context.Context, w *worker, do func(context.Context) (T, error)) (T, error) {
	var zero T
	if ctx.Err() != nil {
		return zero, stopped(ctx)
	}
	// What w recorded (an intent, the last result) is durable before the
	// request goes out.
	if err := w.sync(); err != nil {
		return zero, err
	}
	w.calls++
	v, err := do(context.WithoutCancel(ctx))
	var open *genuin.CircuitOpenError
	if errors.As(err, &open) {
		w.halt(fmt.Errorf("%w (%v)", ErrBreakerOpen, open))
		var apiErr *genuin.APIError
		if !errors.As(err, &apiErr) {
			w.calls-- // refused, never sent
			return zero, stopped(ctx)
		}
	}
	return v, err
}

func (w *worker) createCommunity(ctx context.Context, c *Change) error {
	want := afterFields(c.Fields)
	handle := communityPart(c.Address)
	req, err := communityRequest(handle, want)
	if err != nil {
		return fmt.Errorf("plan fields: %w", err)
	}
	intent := &lockfile.Community{Handle: handle, Status: lockfile.StatusPending, Fields: want}
	if err := w.record(lockfile.Entry{Op: lockfile.OpPut, Address: c.Address, Community: intent}); err != nil {
		return err
	}
	resp, err := call(ctx, w, func(ctx context.Context) (*genuin.CreateCommunityResponse, error) {
		return w.api.CreateCommunity(ctx, req)
	})
	if err != nil {
		if c.Action == ActionCreate && !outcomeUnknown(err) {
			if rerr := w.record(lockfile.Entry{Op: lockfile.OpDelete, Address: c.Address}); rerr != nil {
				return rerr
			}
		}
		return communityCreateError(c, err)
	}
	return w.record(lockfile.Entry{Op: lockfile.OpCreated, Address: c.Address, ID: resp.CommunityID, ShareURL: resp.ShareURL})
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
		return fmt.Errorf("%w (the handle is taken: by another community, or by this one, created by another runner, or by an apply whose lockfile update was lost; without a read API its community_id cannot be learned. If it is yours, find its id in the Brand Control Center or in the lockfile the other apply committed (git pull), and record it with \"genuinctl import %s COMMUNITY_ID\"; if not, choose another handle. Its groups were held back. Serialise applies (one CI job at a time) so that this does not happen)", withOp("create community", err), c.Address)
	case outcomeUnknown(err):
		return fmt.Errorf("%w (the outcome is unknown: the create is recorded as pending and the next apply re-sends it)", withOp("create community", err))
	}
	return withOp("create community", err)
}

func (w *worker) createGroup(ctx context.Context, c *Change) error {
	communityID, err := w.communityID(c)
	if err != nil {
		return err
	}
	want := afterFields(c.Fields)
	// The intent holds exactly what the create sends, so that a re-send
	// after a crash repeats this request and the result recorded for it
	// comes from the same values.
	inCreate, later := splitCreateMembers(c.MembersAdded, w.chunk)
	req, err := groupRequest(want, c.ChatID, communityID, inCreate)
	if err != nil {
		return fmt.Errorf("plan fields: %w", err)
	}
	intent := &lockfile.Group{Community: c.Community, CommunityID: communityID,
		Status: lockfile.StatusPending, ChatID: c.ChatID, Fields: want}
	for _, m := range inCreate {
		intent.CreateMembers = append(intent.CreateMembers, m.Identity)
	}
	if err := w.record(lockfile.Entry{Op: lockfile.OpPut, Address: c.Address, Group: intent}); err != nil {
		return err
	}

	resp, err := call(ctx, w, func(ctx context.Context) (*genuin.CreateGroupResponse, error) {
		return w.api.CreateGroup(ctx, req)
	})
	created := lockfile.Entry{Op: lockfile.OpCreated, Address: c.Address}
	// existing says the chat existed before this request: another runner
	// (or a run whose lockfile update was lost) created it with the same
	// derived chat_id, perhaps with other members.
	existing := false
	switch {
	case err == nil && resp.ChatID != c.ChatID:
		return fmt.Errorf("create group: the API answered with chat_id %s for the chat_id %s sent; nothing was recorded as created and the create stays pending (if %s is this group, record it with \"genuinctl import %s %s\")",
			resp.ChatID, c.ChatID, resp.ChatID, c.Address, resp.ChatID)
	case err == nil:
		created.ID, created.ShareURL = resp.Group.GroupID, resp.ShareURL
		existing = c.Action == ActionCreate && !hasUsers(resp.Group.Members, inCreate)
	case (mayExist(c, err) || refused(err)) && answered(err) && w.chatExists(ctx, c.ChatID, req.Group.Name):
		// Our own chat_id exists: an earlier attempt (of this run, of a run
		// whose result was lost, or of another runner: chat_ids are
		// derived from the lockfile's lineage and the address) went
		// through, and this answer only says so. Its group_id and
		// share_url were in that attempt's response; nothing documented
		// returns them.
		existing = c.Action == ActionCreate && !outcomeUnknown(err)
	default:
		if c.Action == ActionCreate && !outcomeUnknown(err) {
			if rerr := w.record(lockfile.Entry{Op: lockfile.OpDelete, Address: c.Address}); rerr != nil {
				return rerr
			}
		}
		if outcomeUnknown(err) {
			return fmt.Errorf("%w (the outcome is unknown: the create is recorded as pending and the next apply re-sends it with the same chat_id)", withOp("create group", err))
		}
		return withOp("create group", err)
	}
	// Confirming the create records its members too (see CreateMembers).
	if err := w.record(created); err != nil {
		return err
	}
	if existing {
		// Another create made the group, maybe with other members: this
		// create's members are added by update (adding a member again
		// changes nothing), and recorded with the ids the answer gives.
		later = append(slices.Clone(inCreate), later...)
		for i := range later {
			later[i].InCreate = false
		}
	}
	return w.runUpdates(ctx, c.Address, c.ChatID, updateBatches(nil, later, nil, w.chunk))
}

// hasUsers reports whether the members a create answered with include
// every user it sent: a group created earlier, with the same chat_id, is
// answered as it is, whatever the create sent.
func hasUsers(members []genuin.Member, sent []Member) bool {
	ids := make(map[string]bool, len(members))
	for _, m := range members {
		ids[m.MemberID] = true
	}
	for _, m := range sent {
		if m.UserID != "" && !ids[m.UserID] {
			return false
		}
	}
	return true
}

// refused reports whether a create was refused as a request (a 4xx
// answer): the API's answer to a chat_id it holds already is undocumented
// (the sandbox answers 400, code 1099, in one of its modes), so a refused
// create may mean that another runner created the group first.
func refused(err error) bool {
	var apiErr *genuin.APIError
	return errors.As(err, &apiErr) && apiErr.Status >= 400 && apiErr.Status < 500
}

// communityID is the id of the community a group is created in: an
// existing one the spec names, or one of the spec's, once created.
func (w *worker) communityID(c *Change) (string, error) {
	if c.CommunityID != "" {
		return c.CommunityID, nil
	}
	var id string
	w.lf.Read(func(st *lockfile.State) {
		if community := st.Communities[c.Community]; community != nil && community.Status == lockfile.StatusCreated {
			id = community.CommunityID
		}
	})
	if id == "" {
		return "", fmt.Errorf("not attempted: %s is not created yet (its create failed, is pending or is not in the plan)", c.Community)
	}
	return id, nil
}

// chatExists asks whether a chat_id exists the only way the documented API
// allows: an update_conversation that sets the name the create sent, which
// succeeds only for an existing chat and changes nothing.
func (w *worker) chatExists(ctx context.Context, chatID, name string) bool {
	_, err := call(ctx, w, func(ctx context.Context) (*genuin.UpdateConversationResponse, error) {
		return w.api.UpdateConversation(ctx, chatID, &genuin.UpdateConversationRequest{Name: &name})
	})
	return err == nil
}

func (w *worker) updateGroup(ctx context.Context, c *Change) error {
	var chatID string
	var err error
	w.lf.Read(func(st *lockfile.State) { chatID, err = checkUpdate(c, st.Groups[c.Address]) })
	if err != nil {
		return err
	}
	// Forgetting a subscriber removal the spec no longer asks for takes no
	// request: nothing can subscribe a user again. It is recorded first,
	// whatever the requests then answer.
	if len(c.SubscribersForgotten) > 0 {
		e := lockfile.Entry{Op: lockfile.OpMembers, Address: c.Address}
		for _, m := range c.SubscribersForgotten {
			e.SubscribersForgotten = append(e.SubscribersForgotten, m.Identity)
		}
		if err := w.record(e); err != nil {
			return err
		}
	}
	return w.runUpdates(ctx, c.Address, chatID, updateBatchesWith(c.Fields, c.MembersAdded, c.MembersRemoved, c.SubscribersRemoved, w.chunk))
}

// checkUpdate returns the chat_id of the group an update changes, after
// checking that the record is created and holds the member ids the update
// removes, that no subscriber removal it sends is recorded already (each
// is sent once) and that each removal it forgets is recorded.
func checkUpdate(c *Change, rec *lockfile.Group) (string, error) {
	if rec == nil || rec.Status != lockfile.StatusCreated {
		return "", errors.New("update: the lockfile has no created group at this address; run plan again")
	}
	for _, m := range c.MembersRemoved {
		if id, ok := rec.Members[m.Identity]; !ok || memberIDOf(m.Identity, id) != m.MemberID || m.MemberID == "" {
			return "", fmt.Errorf("update: the plan removes member id %q, which is not the recorded one for that member; run plan again", m.MemberID)
		}
	}
	removed := make(map[string]bool, len(rec.SubscribersRemoved))
	for _, id := range rec.SubscribersRemoved {
		removed[id] = true
	}
	for _, m := range c.SubscribersRemoved {
		switch {
		case m.UserID == "" || m.Identity != "user:"+m.UserID:
			return "", fmt.Errorf("update: the plan removes subscriber %q without its user id; run plan again", m.Identity)
		case removed[m.Identity]:
			return "", fmt.Errorf("update: the plan removes subscriber %s, whose removal the lockfile records already (each is sent once); run plan again", m.UserID)
		}
	}
	for _, m := range c.SubscribersForgotten {
		if !removed[m.Identity] {
			return "", fmt.Errorf("update: the plan forgets the removal of subscriber %q, which the lockfile does not record; run plan again", m.Identity)
		}
	}
	return rec.ChatID, nil
}

// runUpdates sends the batches in order, recording each result.
func (w *worker) runUpdates(ctx context.Context, addr, chatID string, batches []updateBatch) error {
	for _, b := range batches {
		req, err := updateRequest(b)
		if err != nil {
			return err
		}
		resp, err := call(ctx, w, func(ctx context.Context) (*genuin.UpdateConversationResponse, error) {
			return w.api.UpdateConversation(ctx, chatID, req)
		})
		if err != nil {
			if outcomeUnknown(err) {
				// The update may have been applied: record it as uncertain,
				// so that the next plan sends the spec's values again
				// rather than trusting the old ones.
				for _, e := range uncertainEntries(addr, b) {
					if rerr := w.record(e); rerr != nil {
						return rerr
					}
				}
			}
			return withOp("update_conversation", err)
		}
		for _, e := range updateEntries(addr, b, resp) {
			if err := w.record(e); err != nil {
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
// sends them again too. So do its subscriber removals, which are not
// recorded: removing a subscriber again is harmless (removing one who is
// not there changes nothing), and a removal the spec still asks for is
// then sent until an answer confirms it.
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
// applied, the member deltas, with the member ids the response gave, and
// the subscribers removed.
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
	if len(b.adds) > 0 || len(b.removes) > 0 || len(b.subscribers) > 0 {
		e := lockfile.Entry{Op: lockfile.OpMembers, Address: addr}
		if len(b.adds) > 0 {
			e.Added = matchAdded(b.adds, resp.MembersAdded)
		}
		for _, m := range b.removes {
			e.Removed = append(e.Removed, m.Identity)
		}
		// The answer lists only the subscribers it found: one who was not
		// there is removed as surely, so every one sent is recorded.
		for _, m := range b.subscribers {
			e.SubscribersRemoved = append(e.SubscribersRemoved, m.Identity)
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
