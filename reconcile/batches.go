package reconcile

// updateBatch is the content of one update_conversation request.
type updateBatch struct {
	fields  []FieldChange
	adds    []Member
	removes []Member
	// subscribers are removed from the group's subscribers.
	subscribers []Member
}

// splitCreateMembers picks the members sent inside a group's create request
// (user ids, at most chunk of them) and the rest, which follow in update
// requests. Phone members follow too, since only update_conversation's
// answer says which member id each phone got, unless marked InCreate
// (phones_in_create, or the re-send of a create that sent them).
func splitCreateMembers(adds []Member, chunk int) (inCreate, later []Member) {
	for _, m := range adds {
		if (m.UserID != "" || m.InCreate) && len(inCreate) < chunk {
			inCreate = append(inCreate, m)
		} else {
			later = append(later, m)
		}
	}
	return inCreate, later
}

// updateBatches splits field changes and member deltas into requests of at
// most chunk additions and chunk removals each; fields ride in the first.
func updateBatches(fields []FieldChange, adds, removes []Member, chunk int) []updateBatch {
	return updateBatchesWith(fields, adds, removes, nil, chunk)
}

// updateBatchesWith is updateBatches with subscriber removals too, chunked
// like member deltas: at most chunk of them per request.
func updateBatchesWith(fields []FieldChange, adds, removes, subscribers []Member, chunk int) []updateBatch {
	var batches []updateBatch
	for len(fields) > 0 || len(adds) > 0 || len(removes) > 0 || len(subscribers) > 0 {
		b := updateBatch{fields: fields}
		b.adds, adds = cut(adds, chunk)
		b.removes, removes = cut(removes, chunk)
		b.subscribers, subscribers = cut(subscribers, chunk)
		fields = nil
		batches = append(batches, b)
	}
	return batches
}

func cut(ms []Member, n int) (head, tail []Member) {
	if len(ms) <= n {
		return ms, nil
	}
	return ms[:n], ms[n:]
}

// createCalls is the number of requests a group create with these first
// members takes.
func createCalls(adds []Member, chunk int) int {
	_, later := splitCreateMembers(adds, chunk)
	return 1 + len(updateBatches(nil, later, nil, chunk))
}

// updateCalls is the number of requests an update takes: none for one
// that only forgets subscriber removals.
func updateCalls(fields []FieldChange, adds, removes, subscribers []Member, chunk int) int {
	return len(updateBatchesWith(fields, adds, removes, subscribers, chunk))
}
