package audit

import (
	"context"
)

// VerifyResult reports the outcome of Verify.
type VerifyResult struct {
	// Events is how many events were checked.
	Events int64 `json:"events"`
	// OK is false when the chain is broken; BrokenAt then names the first
	// sequence number that does not match (or the checkpoint's) and Reason
	// says how.
	OK       bool   `json:"ok"`
	BrokenAt int64  `json:"broken_at,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// Checkpoints is how many retention checkpoints were checked; the
	// remaining events start after the latest one, at StartSeq.
	Checkpoints int   `json:"checkpoints,omitempty"`
	StartSeq    int64 `json:"start_seq,omitempty"`
}

// verifyAttempts bounds how often Verify starts again when a retention
// purge moved the start of the chain while it read.
const verifyAttempts = 3

// Verify checks the hash chain of the main account that accountID belongs
// to and reports the first event that was altered, removed or inserted out
// of band. When retention purged the start of the chain, it first checks
// every checkpoint: its Ed25519 signature by a trusted key (the
// CheckpointKey's or one of TrustedCheckpointKeys, by key ID), and that
// the checkpoints account for every deleted event (each one's Seq minus
// its Count is the previous one's Seq, the first one's is 0); the
// remaining events then start from the latest checkpoint: the first has
// the checkpoint's Seq + 1 and its hash as PrevHash. A forged, altered or
// missing checkpoint, or events deleted without one, report the chain
// broken. It requires PermAuditRead in the main account. Errors:
// Unauthenticated, NotFound, Forbidden.
func (s *Service) Verify(ctx context.Context, accountID string) (_ *VerifyResult, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	main, err := s.chainOwner(ctx, accountID)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		res, start, err := s.verify(ctx, main)
		if err != nil || res.OK || attempt == verifyAttempts {
			return res, err
		}
		// A purge that committed while the events were read deletes what
		// is still to be read: start again from its checkpoint.
		latest, err := s.store.ListAuditCheckpoints(ctx, main, 0, 1)
		if err != nil {
			return nil, err
		}
		if len(latest) == 0 || latest[0].ID == start {
			return res, nil
		}
	}
}

// verify is one pass of Verify; it also returns the ID of the checkpoint
// it started from ("" for none).
func (s *Service) verify(ctx context.Context, main string) (*VerifyResult, string, error) {
	// Read the head and the checkpoints under the chain's lock, which the
	// purge takes too: events appended while we verify lie beyond the
	// head, and the checkpoints match the events as of the head.
	var headSeq int64
	var headHash string
	var cps []*Checkpoint
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if headSeq, headHash, err = s.store.LockAuditChain(ctx, main); err != nil {
			return err
		}
		cps, err = s.allCheckpoints(ctx, main)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	res := &VerifyResult{}
	broken := func(at int64, reason string) *VerifyResult {
		res.OK, res.BrokenAt, res.Reason = false, at, reason
		return res
	}
	// The checkpoints, newest first.
	var seq int64
	prev, start := "", ""
	for i, c := range cps {
		switch reason := s.keys.check(c); {
		case c.MainAccountID != main:
			return broken(c.Seq, "checkpoint of another chain"), start, nil
		case reason != "":
			return broken(c.Seq, reason), start, nil
		case c.Count <= 0 || c.Count > c.Seq:
			return broken(c.Seq, "checkpoint count out of range"), start, nil
		case i > 0 && cps[i-1].Seq-cps[i-1].Count != c.Seq:
			return broken(cps[i-1].Seq, "checkpoints do not account for every deleted event"), start, nil
		}
		res.Checkpoints++
	}
	if n := len(cps); n > 0 {
		if cps[n-1].Seq != cps[n-1].Count {
			return broken(cps[n-1].Seq, "checkpoints do not account for every deleted event"), start, nil
		}
		seq, prev, start = cps[0].Seq, cps[0].Hash, cps[0].ID
		if seq > headSeq {
			return broken(seq, "checkpoint beyond the end of the chain"), start, nil
		}
	}
	res.StartSeq = seq + 1
	first := true
	for seq < headSeq {
		events, err := s.store.ListAuditChain(ctx, main, seq, s.opts.ExportBatch)
		if err != nil {
			return nil, "", err
		}
		if len(events) == 0 {
			break
		}
		for _, e := range events {
			if e.Seq > headSeq {
				break
			}
			switch {
			case e.Seq != seq+1 && first && start == "":
				return broken(seq+1, "events missing at the start of the chain with no checkpoint"), start, nil
			case e.Seq != seq+1 && first:
				return broken(seq+1, "events missing after the checkpoint"), start, nil
			case e.Seq != seq+1:
				return broken(seq+1, "event missing from the chain"), start, nil
			case e.PrevHash != prev && first && start != "":
				return broken(e.Seq, "previous hash does not match the checkpoint"), start, nil
			case e.PrevHash != prev:
				return broken(e.Seq, "previous hash does not match"), start, nil
			case e.ComputeHash() != e.Hash:
				return broken(e.Seq, "event content does not match its hash"), start, nil
			}
			seq, prev, first = e.Seq, e.Hash, false
			res.Events++
		}
	}
	if seq != headSeq || prev != headHash {
		return broken(seq+1, "events missing at the end of the chain"), start, nil
	}
	res.OK = true
	return res, start, nil
}

// allCheckpoints returns every checkpoint of the chain, newest first.
func (s *Service) allCheckpoints(ctx context.Context, main string) ([]*Checkpoint, error) {
	var out []*Checkpoint
	var before int64
	for {
		page, err := s.store.ListAuditCheckpoints(ctx, main, before, s.opts.ExportBatch)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < s.opts.ExportBatch {
			return out, nil
		}
		before = page[len(page)-1].Seq
	}
}
