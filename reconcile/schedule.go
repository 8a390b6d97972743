package reconcile

import "sync"

// A task is the work of one address: its changes, run in plan order by one
// worker (a pending create, then the update of what the spec asks beyond
// it), so that one address's requests never overlap or reorder.
type task struct {
	address string
	changes []*Change
	// after is the address of the community task a group task waits for:
	// its community is created by this apply. "" when it waits for nothing.
	after string
}

// schedule hands tasks to workers in plan order, except that a group
// whose community is being created waits for that create: it runs once the
// community succeeds, and is held back (counted, never attempted) if it
// fails. Communities are created one at a time: a community create has no
// idempotency key, so one whose answer a crash loses needs an import by
// hand, and at most one should be exposed at once. With one worker it
// hands out exactly the plan order, since a community sorts before its
// groups.
type schedule struct {
	mu   sync.Mutex
	cond sync.Cond

	tasks []*task
	next  int // tasks[next:] are not handed out yet
	// released are tasks whose community was created while they waited;
	// they go before tasks[next:].
	released []*task
	waiting  map[string][]*task // community address → tasks waiting for it
	// communities are community tasks waiting for the one in flight.
	communities     []*task
	communityActive bool
	// outcome of each community task: absent while not finished.
	communityDone map[string]bool
	// heldBack counts the tasks held back per failed community address.
	heldBack map[string]int
	active   int  // tasks handed out and not finished
	closed   bool // stop handing out tasks
}

// newSchedule groups the plan's applicable changes into tasks, one per
// address, in plan order. Blocked changes make no request and no task.
func newSchedule(p *Plan) *schedule {
	s := &schedule{waiting: map[string][]*task{}, communityDone: map[string]bool{}, heldBack: map[string]int{}}
	s.cond.L = &s.mu
	byAddress := map[string]*task{}
	for _, c := range p.Changes {
		if c.Action == ActionBlocked {
			continue
		}
		t := byAddress[c.Address]
		if t == nil {
			t = &task{address: c.Address}
			byAddress[c.Address] = t
			s.tasks = append(s.tasks, t)
		}
		t.changes = append(t.changes, c)
	}
	for _, t := range s.tasks {
		if c := t.changes[0]; c.Kind == KindGroup && byAddress[c.Community] != nil {
			t.after = c.Community
		}
	}
	return s
}

// take returns the next task to run, waiting while every remaining task
// waits for a community in flight; nil when there is none left or the
// schedule is closed.
func (s *schedule) take() *task {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.closed {
			return nil
		}
		if t := s.ready(); t != nil {
			s.active++
			return t
		}
		if s.active == 0 {
			return nil // nothing runs, so nothing more will be released
		}
		s.cond.Wait()
	}
}

// ready pops the next runnable task, parking the ones that wait for a
// community in flight and counting the ones a failed community holds back.
func (s *schedule) ready() *task {
	if len(s.communities) > 0 && !s.communityActive {
		t := s.communities[0]
		s.communities = s.communities[1:]
		s.communityActive = true
		return t
	}
	if len(s.released) > 0 {
		t := s.released[0]
		s.released = s.released[1:]
		return t
	}
	for s.next < len(s.tasks) {
		t := s.tasks[s.next]
		s.next++
		switch {
		case t.changes[0].Kind == KindCommunity && s.communityActive:
			s.communities = append(s.communities, t)
			continue
		case t.changes[0].Kind == KindCommunity:
			s.communityActive = true
			return t
		case t.after == "":
			return t
		}
		created, finished := s.communityDone[t.after]
		switch {
		case !finished:
			s.waiting[t.after] = append(s.waiting[t.after], t)
		case created:
			return t
		default:
			s.heldBack[t.after]++
		}
	}
	return nil
}

// finish records that a task ended; ok reports whether every change of it
// succeeded. A community's waiting groups are released or held back.
func (s *schedule) finish(t *task, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if t.changes[0].Kind == KindCommunity {
		s.communityActive = false
		s.communityDone[t.address] = ok
		if ok {
			s.released = append(s.released, s.waiting[t.address]...)
		} else {
			s.heldBack[t.address] += len(s.waiting[t.address])
		}
		delete(s.waiting, t.address)
	}
	s.cond.Broadcast()
}

// close stops handing out tasks; workers waiting in take return nil.
func (s *schedule) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.cond.Broadcast()
}
