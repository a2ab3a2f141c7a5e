package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/jobs"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/storage"
)

// testKey returns a fixed Ed25519 key made from the byte b.
func testKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

// retentionEnv returns an Env on store whose audit log is signed with key
// (none when nil); more changes the kit's options further.
func retentionEnv(t *testing.T, store storage.Store, key ed25519.PrivateKey, more ...func(*kit.Options)) *kittest.Env {
	t.Helper()
	return kittest.NewWithStore(t, store, append([]func(*kit.Options){func(o *kit.Options) {
		o.Logger = slog.New(slog.DiscardHandler)
		o.Audit.CheckpointKey = key
	}}, more...)...)
}

// retentionResult returns what the audit_retention job did in results;
// ran is false when it did not run.
func retentionResult(results []jobs.Result) (res jobs.Result, ran bool) {
	for _, r := range results {
		if r.Job == kit.JobAuditRetention {
			return r, true
		}
	}
	return jobs.Result{}, false
}

// runRetention makes a pass of the jobs and returns how many events the
// retention job deleted; it fails t when the job did not run or failed.
func runRetention(t *testing.T, env *kittest.Env) int {
	t.Helper()
	r, ran := retentionResult(env.Kit.RunJobsOnce(context.Background()))
	require.True(t, ran, "the retention job's lease was free")
	require.NoError(t, r.Err)
	return r.Count
}

func setRetention(t *testing.T, env *kittest.Env, acc *account.Account, days int) {
	t.Helper()
	_, err := env.Kit.Accounts.UpdateSecuritySettings(env.System(), acc.ID, account.SecurityUpdate{AuditRetentionDays: &days})
	require.NoError(t, err)
}

func verify(t *testing.T, env *kittest.Env, accountID string) *audit.VerifyResult {
	t.Helper()
	res, err := env.Kit.Audit.Verify(kittest.As(kittest.Manager(accountID, "auditor")), accountID)
	require.NoError(t, err)
	return res
}

// TestRetention_PurgeAndVerify: the retention job deletes only the events
// of the main account's tree older than its retention (another tenant's
// old events stay), leaves a signed checkpoint per batch and records the
// purge as the system; Verify and an independent verifier working from
// the API and docs/audit-retention.md both accept the shortened chain.
func TestRetention_PurgeAndVerify(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			key := testKey(1)
			env := retentionEnv(t, open(t), key, func(o *kit.Options) { o.Audit.RetentionBatch = 4 })
			acme := env.MainAccount(t, "acme")
			sub := env.SubAccount(t, acme, "acme-eu")
			globex := env.MainAccount(t, "globex")
			record(t, env, acme.ID, 3, "Chatbot", "Old main")
			record(t, env, sub.ID, 3, "Chatbot", "Old sub")
			record(t, env, globex.ID, 4, "Chatbot", "Old other")
			setRetention(t, env, acme, 30)
			old := env.Events(t, acme.ID)
			otherBefore := env.Events(t, globex.ID)

			env.Clock.Advance(20 * 24 * time.Hour)
			record(t, env, sub.ID, 2, "Chatbot", "Recent sub")
			env.Clock.Advance(15 * 24 * time.Hour) // the first events are 35 days old, the recent ones 15

			n := runRetention(t, env)
			assert.Equal(t, len(old), n, "every event of the first day, of the main account and its sub-account")
			left := env.Events(t, acme.ID)
			oldIDs := map[string]bool{}
			for _, e := range old {
				oldIDs[e.ID] = true
			}
			var recent, purges int
			for _, e := range left {
				assert.False(t, oldIDs[e.ID], "an old event is left: %s", e.Description)
				switch e.Description {
				case "Audit events purged by retention.":
					purges++
					assert.Equal(t, "system", e.ActorName, "recorded as the system")
					assert.Empty(t, e.ActorID)
					assert.Equal(t, audit.ItemAuditLog, e.Item)
					assert.Equal(t, audit.ActionPurge, e.Action)
					assert.Equal(t, "30", e.Details["retention_days"])
					assert.Equal(t, audit.KeyID(key.Public().(ed25519.PublicKey)), e.Details["key_id"])
				default:
					recent++
				}
			}
			assert.Equal(t, 2, recent)
			batches := (len(old) + 3) / 4
			assert.Equal(t, batches, purges, "one purge event per batch of 4")
			assert.Equal(t, otherBefore, env.Events(t, globex.ID), "another tenant's old events are untouched")

			res := verify(t, env, acme.ID)
			assert.True(t, res.OK, "%+v", res)
			assert.Equal(t, batches, res.Checkpoints)
			assert.EqualValues(t, len(old)+1, res.StartSeq)
			assert.EqualValues(t, len(left), res.Events)
			assert.True(t, verify(t, env, globex.ID).OK)
			require.NoError(t, independentVerify(t, env, acme.ID), "the independent verifier accepts the chain")

			// The same period: the lease is held. The next: nothing is old.
			_, ran := retentionResult(env.Kit.RunJobsOnce(context.Background()))
			assert.False(t, ran)
			env.Clock.Advance(2 * time.Hour)
			assert.Equal(t, 0, runRetention(t, env))

			// 40 days on, the rest is old: a second run purges it all but
			// the purge events it records.
			env.Clock.Advance(40 * 24 * time.Hour)
			assert.Equal(t, len(left), runRetention(t, env))
			res = verify(t, env, acme.ID)
			assert.True(t, res.OK, "%+v", res)
			assert.Greater(t, res.Checkpoints, batches)
			require.NoError(t, independentVerify(t, env, acme.ID))

			// The checkpoints API serves them with the key, newest first,
			// in pages; another tenant sees none of them.
			tok := env.Tokens.Issue(kittest.Manager(acme.ID, "boss"))
			var page struct {
				Items []struct {
					Seq   int64  `json:"seq"`
					KeyID string `json:"key_id"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
				Keys       []struct {
					KeyID     string `json:"key_id"`
					PublicKey string `json:"public_key"`
				} `json:"keys"`
			}
			r := env.Do(t, "GET", "/api/v1/audit/checkpoints?limit=1&account_id="+sub.ID, tok, nil)
			require.Equal(t, 200, r.Status, string(r.Body))
			r.JSON(t, &page)
			require.Len(t, page.Items, 1)
			require.NotEmpty(t, page.NextCursor)
			require.Len(t, page.Keys, 1)
			assert.Equal(t, base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)), page.Keys[0].PublicKey)
			first := page.Items[0].Seq
			r = env.Do(t, "GET", "/api/v1/audit/checkpoints?limit=1&cursor="+url.QueryEscape(page.NextCursor), tok, nil)
			require.Equal(t, 200, r.Status, string(r.Body))
			r.JSON(t, &page)
			require.Len(t, page.Items, 1)
			assert.Less(t, page.Items[0].Seq, first, "newest first")
			mallory := env.Tokens.Issue(kittest.Manager(globex.ID, "mallory"))
			r = env.Do(t, "GET", "/api/v1/audit/checkpoints?account_id="+acme.ID, mallory, nil)
			assert.Equal(t, 404, r.Status, "another tenant's chain is not found")
			r = env.Do(t, "GET", "/api/v1/audit/checkpoints", mallory, nil)
			require.Equal(t, 200, r.Status)
			r.JSON(t, &page)
			assert.Empty(t, page.Items)
			r = env.Do(t, "GET", "/api/v1/audit/checkpoints?cursor=garbage", tok, nil)
			assert.Equal(t, 400, r.Status)
		})
	}
}

// TestRetention_OneRunPerPeriod: two replicas (two Kits on one store with
// the same key) run the jobs at once, four goroutines each: one purge.
func TestRetention_OneRunPerPeriod(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			key := testKey(2)
			store := open(t)
			env := retentionEnv(t, store, key)
			acme := env.MainAccount(t, "acme")
			record(t, env, acme.ID, 5, "Chatbot", "Old")
			setRetention(t, env, acme, 30)
			old := len(env.Events(t, acme.ID))
			env.Clock.Advance(31 * 24 * time.Hour)
			replicas := []*kit.Kit{env.Kit}
			other, err := kit.New(kit.Options{Store: store, Clock: env.Clock, Logger: slog.New(slog.DiscardHandler),
				Audit: audit.Options{CheckpointKey: key}})
			require.NoError(t, err)
			replicas = append(replicas, other)

			var mu sync.Mutex
			var runs []jobs.Result
			var wg sync.WaitGroup
			for _, k := range replicas {
				for range 4 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if r, ran := retentionResult(k.RunJobsOnce(context.Background())); ran {
							mu.Lock()
							runs = append(runs, r)
							mu.Unlock()
						}
					}()
				}
			}
			wg.Wait()
			require.Len(t, runs, 1, "one purge among the replicas")
			require.NoError(t, runs[0].Err)
			assert.Equal(t, old, runs[0].Count)
			cps, err := store.ListAuditCheckpoints(context.Background(), acme.ID, 0, 0)
			require.NoError(t, err)
			assert.Len(t, cps, 1)
			assert.True(t, verify(t, env, acme.ID).OK)
		})
	}
}

// TestRetention_Tampering: whoever deletes or forges behind the library's
// back breaks Verify, and the independent verifier agrees.
func TestRetention_Tampering(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			key := testKey(3)
			ts := &checkpointTamper{Store: open(t)}
			env := retentionEnv(t, ts, key)
			acme := env.MainAccount(t, "acme")
			record(t, env, acme.ID, 4, "Chatbot", "Old")
			setRetention(t, env, acme, 30)
			env.Clock.Advance(31 * 24 * time.Hour)
			record(t, env, acme.ID, 6, "Chatbot", "Recent")
			deleted := runRetention(t, env)
			require.True(t, verify(t, env, acme.ID).OK)
			cps, err := ts.ListAuditCheckpoints(ctx, acme.ID, 0, 0)
			require.NoError(t, err)
			require.Len(t, cps, 1)
			cp := cps[0]
			require.EqualValues(t, deleted, cp.Seq)
			chain, err := ts.ListAuditChain(ctx, acme.ID, 0, 0)
			require.NoError(t, err)

			broken := func(t *testing.T, at int64, reason string) {
				t.Helper()
				res := verify(t, env, acme.ID)
				assert.False(t, res.OK)
				assert.Equal(t, at, res.BrokenAt, res.Reason)
				assert.Equal(t, reason, res.Reason)
				assert.Error(t, independentVerify(t, env, acme.ID), "the independent verifier rejects it too")
			}
			t.Run("altered checkpoint hash", func(t *testing.T) {
				ts.set(func(cs []*audit.Checkpoint) []*audit.Checkpoint {
					cs[0].Hash = chain[0].Hash // a plausible hash, but not the signed one
					return cs
				})
				defer ts.set(nil)
				broken(t, cp.Seq, "checkpoint signature does not verify")
			})
			t.Run("altered checkpoint count", func(t *testing.T) {
				ts.set(func(cs []*audit.Checkpoint) []*audit.Checkpoint { cs[0].Count--; return cs })
				defer ts.set(nil)
				broken(t, cp.Seq, "checkpoint signature does not verify")
			})
			t.Run("missing checkpoint", func(t *testing.T) {
				ts.set(func([]*audit.Checkpoint) []*audit.Checkpoint { return nil })
				defer ts.set(nil)
				broken(t, 1, "events missing at the start of the chain with no checkpoint")
			})
			t.Run("checkpoint signed by an untrusted key", func(t *testing.T) {
				// An attacker with database access deletes two more events
				// and signs a checkpoint for them with a key of their own.
				var ids accountkit.UUIDv7
				forged := &audit.Checkpoint{ID: ids.NewID(), MainAccountID: acme.ID, Seq: chain[1].Seq,
					Hash: chain[1].Hash, Count: 2, Time: env.Clock.Now().UTC().Truncate(time.Microsecond)}
				evil := testKey(66)
				forged.KeyID = audit.KeyID(evil.Public().(ed25519.PublicKey))
				forged.Signature = ed25519.Sign(evil, forged.SignedMessage())
				require.NoError(t, ts.Store.InsertAuditCheckpoint(ctx, forged))
				n, err := ts.Store.DeleteAuditEvents(ctx, acme.ID, chain[1].Seq)
				require.NoError(t, err)
				require.EqualValues(t, 2, n)
				broken(t, forged.Seq, "checkpoint signed by an untrusted key")

				// A Kit that trusts the attacker's key (say, after a careless
				// rotation) accepts it: the key, not the store, decides.
				trusting := retentionEnv(t, ts.Store, key, func(o *kit.Options) {
					o.Audit.TrustedCheckpointKeys = []ed25519.PublicKey{evil.Public().(ed25519.PublicKey)}
				})
				assert.True(t, verify(t, trusting, acme.ID).OK)

				// Deleting one more event without a checkpoint breaks it.
				n, err = ts.Store.DeleteAuditEvents(ctx, acme.ID, chain[2].Seq)
				require.NoError(t, err)
				require.EqualValues(t, 1, n)
				res := verify(t, trusting, acme.ID)
				assert.False(t, res.OK)
				assert.Equal(t, chain[2].Seq, res.BrokenAt)
				assert.Equal(t, "events missing after the checkpoint", res.Reason)
			})
		})
	}
}

// TestRetention_DeleteWithoutCheckpoint: events deleted from the start of
// a chain that has no checkpoint break it.
func TestRetention_DeleteWithoutCheckpoint(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := retentionEnv(t, open(t), testKey(4))
			acme := env.MainAccount(t, "acme")
			record(t, env, acme.ID, 4, "Chatbot", "Event")
			require.True(t, verify(t, env, acme.ID).OK)
			n, err := env.Store.DeleteAuditEvents(context.Background(), acme.ID, 2)
			require.NoError(t, err)
			require.EqualValues(t, 2, n)
			res := verify(t, env, acme.ID)
			assert.False(t, res.OK)
			assert.EqualValues(t, 1, res.BrokenAt)
			assert.Equal(t, "events missing at the start of the chain with no checkpoint", res.Reason)
			assert.Error(t, independentVerify(t, env, acme.ID))

			// The purge refuses to sign over a broken chain.
			setRetention(t, env, acme, 30)
			env.Clock.Advance(31 * 24 * time.Hour)
			r, ran := retentionResult(env.Kit.RunJobsOnce(context.Background()))
			require.True(t, ran)
			assert.ErrorContains(t, r.Err, "broken")
			assert.Equal(t, 0, r.Count)
			cps, err := env.Store.ListAuditCheckpoints(context.Background(), acme.ID, 0, 0)
			require.NoError(t, err)
			assert.Empty(t, cps)
		})
	}
}

// TestRetention_KeyRotation: after a rotation the old key's checkpoints
// verify while its public key is trusted, and new ones carry the new key.
func TestRetention_KeyRotation(t *testing.T) {
	t.Parallel()
	store := kittest.Stores()["memory"](t)
	oldKey, newKey := testKey(5), testKey(6)
	env := retentionEnv(t, store, oldKey)
	acme := env.MainAccount(t, "acme")
	record(t, env, acme.ID, 3, "Chatbot", "First")
	setRetention(t, env, acme, 30)
	env.Clock.Advance(31 * 24 * time.Hour)
	runRetention(t, env)

	oldPub := oldKey.Public().(ed25519.PublicKey)
	rotated := retentionEnv(t, store, newKey, func(o *kit.Options) {
		o.Clock = env.Clock
		o.Audit.TrustedCheckpointKeys = []ed25519.PublicKey{oldPub}
	})
	require.True(t, verify(t, rotated, acme.ID).OK)
	record(t, rotated, acme.ID, 2, "Chatbot", "Second")
	env.Clock.Advance(31 * 24 * time.Hour)
	require.Positive(t, runRetention(t, rotated))
	cps, err := store.ListAuditCheckpoints(context.Background(), acme.ID, 0, 0)
	require.NoError(t, err)
	require.Len(t, cps, 2)
	assert.Equal(t, audit.KeyID(newKey.Public().(ed25519.PublicKey)), cps[0].KeyID)
	assert.Equal(t, audit.KeyID(oldPub), cps[1].KeyID)
	res := verify(t, rotated, acme.ID)
	assert.True(t, res.OK, "%+v", res)
	assert.Equal(t, 2, res.Checkpoints)
	keys := rotated.Kit.Audit.TrustedKeys()
	require.Len(t, keys, 2)
	assert.Equal(t, cps[0].KeyID, keys[0].ID, "the signing key first")
	require.NoError(t, independentVerify(t, rotated, acme.ID))

	// Forgetting the old key breaks the chain at its checkpoint.
	forgetful := retentionEnv(t, store, newKey)
	res = verify(t, forgetful, acme.ID)
	assert.False(t, res.OK)
	assert.Equal(t, cps[1].Seq, res.BrokenAt)
	assert.Equal(t, "checkpoint signed by an untrusted key", res.Reason)

	// Bad keys are refused when the service is built.
	_, err = kit.New(kit.Options{Store: store, Audit: audit.Options{CheckpointKey: ed25519.PrivateKey("short")}})
	assert.ErrorContains(t, err, "CheckpointKey")
	_, err = kit.New(kit.Options{Store: store, Audit: audit.Options{TrustedCheckpointKeys: []ed25519.PublicKey{[]byte("short")}}})
	assert.ErrorContains(t, err, "TrustedCheckpointKeys")
}

// TestRetention_NoKey: without a checkpoint key a retention is never
// enforced: the job deletes nothing and says why.
func TestRetention_NoKey(t *testing.T) {
	t.Parallel()
	env := retentionEnv(t, kittest.Stores()["memory"](t), nil)
	acme := env.MainAccount(t, "acme")
	record(t, env, acme.ID, 3, "Chatbot", "Event")
	assert.Equal(t, 0, runRetention(t, env), "no retention set: nothing to refuse")
	setRetention(t, env, acme, 30)
	before := env.Events(t, acme.ID)
	env.Clock.Advance(40 * 24 * time.Hour)
	r, ran := retentionResult(env.Kit.RunJobsOnce(context.Background()))
	require.True(t, ran)
	assert.ErrorContains(t, r.Err, "CheckpointKey")
	assert.Equal(t, 0, r.Count)
	assert.Equal(t, before, env.Events(t, acme.ID), "nothing deleted")

	_, err := env.Kit.Audit.PurgeRetention(kittest.As(kittest.Manager(acme.ID, "boss")))
	assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err), "only the system purges")
}

// TestRetention_Setting: the retention is a main account's security
// setting: validated, audited, shown (inherited by sub-accounts), refused
// on a sub-account, hidden from other tenants; 0 keeps everything.
func TestRetention_Setting(t *testing.T) {
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := retentionEnv(t, open(t), testKey(7))
			acme := env.MainAccount(t, "acme")
			sub := env.SubAccount(t, acme, "acme-eu")
			globex := env.MainAccount(t, "globex")
			boss := env.Tokens.Issue(kittest.Manager(acme.ID, "boss"))
			sec := "/api/v1/accounts/" + acme.ID + "/security"
			days := func(path string) (int, map[string]any) {
				t.Helper()
				r := env.Do(t, "GET", path, boss, nil)
				require.Equal(t, 200, r.Status, string(r.Body))
				var out struct {
					Days     int            `json:"audit_retention_days"`
					Attempts int            `json:"max_login_attempts"`
					Account  map[string]any `json:"audit_retention_account"`
				}
				r.JSON(t, &out)
				require.Equal(t, account.DefaultMaxLoginAttempts, out.Attempts, "nothing else changed")
				return out.Days, out.Account
			}

			for _, body := range []map[string]any{
				{"audit_retention_days": 29}, {"audit_retention_days": 3651}, {"audit_retention_days": -1},
				{"audit_retention_days": 1}, {"audit_retention_days": 10, "max_login_attempts": 3},
			} {
				r := env.Do(t, "PATCH", sec, boss, body)
				require.Equal(t, 400, r.Status, "%v: %s", body, r.Body)
				assert.Contains(t, string(r.Body), `"audit_retention_days"`, "the field is named")
				d, _ := days(sec)
				assert.Equal(t, 0, d, "nothing changed")
			}
			r := env.Do(t, "PATCH", sec, boss, map[string]any{"audit_retention_days": "90"})
			assert.Equal(t, 400, r.Status, "not a number")
			r = env.Do(t, "PATCH", "/api/v1/accounts/"+sub.ID+"/security", boss, map[string]any{"audit_retention_days": 90})
			require.Equal(t, 400, r.Status, string(r.Body))
			assert.Contains(t, string(r.Body), `"audit_retention_days"`)
			assert.Contains(t, string(r.Body), "main account only")
			_, err := env.Store.GetAuditRetention(context.Background(), acme.ID)
			assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "nothing saved")
			failed := env.AccountEvents(t, sub.ID, audit.ItemAccount, audit.ActionUpdate)
			require.NotEmpty(t, failed)
			assert.Equal(t, "Audit log retention update failed.", failed[0].Description, "the refusal is audited")

			// Another tenant cannot read or change it.
			mallory := env.Tokens.Issue(kittest.Manager(globex.ID, "mallory"))
			r = env.Do(t, "PATCH", sec, mallory, map[string]any{"audit_retention_days": 30})
			assert.Equal(t, 404, r.Status)

			r = env.Do(t, "PATCH", sec, boss, map[string]any{"audit_retention_days": 30})
			require.Equal(t, 200, r.Status, string(r.Body))
			d, _ := days(sec)
			assert.Equal(t, 30, d)
			ev := env.RequireEvent(t, acme.ID, audit.ItemAccount, audit.ActionUpdate)
			assert.Equal(t, "Account security options updated.", ev.Description)
			assert.Equal(t, "forever -> 30", ev.Details["audit_retention_days"])
			changes := env.AccountEvents(t, acme.ID, audit.ItemAccount, audit.ActionUpdate)
			var retained *audit.Event
			for _, e := range changes {
				if e.Description == "Audit log retention updated." {
					retained = e
				}
			}
			require.NotNil(t, retained, "a catalogued event of its own")
			assert.Equal(t, "forever -> 30", retained.Details["audit_retention_days"])
			assert.Equal(t, "boss", retained.ActorName)
			d, setOn := days("/api/v1/accounts/" + sub.ID + "/security")
			assert.Equal(t, 30, d, "a sub-account shows its main account's")
			assert.Equal(t, acme.ID, setOn["id"])
			assert.Equal(t, "Acme", setOn["name"])
			r = env.Do(t, "GET", "/api/v1/accounts/"+globex.ID+"/security", mallory, nil)
			require.Equal(t, 200, r.Status)
			assert.Contains(t, string(r.Body), `"audit_retention_days":0`, "another tenant keeps its own")

			// 0 keeps everything, however old.
			r = env.Do(t, "PATCH", sec, boss, map[string]any{"audit_retention_days": 0})
			require.Equal(t, 200, r.Status, string(r.Body))
			before := env.Events(t, acme.ID)
			env.Clock.Advance(4000 * 24 * time.Hour)
			assert.Equal(t, 0, runRetention(t, env))
			assert.Equal(t, before, env.Events(t, acme.ID))
			cps, err := env.Store.ListAuditCheckpoints(context.Background(), acme.ID, 0, 0)
			require.NoError(t, err)
			assert.Empty(t, cps)
		})
	}
}

// checkpointTamper alters the checkpoints the store returns, as an
// attacker with database access would alter rows.
type checkpointTamper struct {
	storage.Store
	mu   sync.Mutex
	edit func([]*audit.Checkpoint) []*audit.Checkpoint
}

func (s *checkpointTamper) set(edit func([]*audit.Checkpoint) []*audit.Checkpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.edit = edit
}

func (s *checkpointTamper) ListAuditCheckpoints(ctx context.Context, main string, before int64, limit int) ([]*audit.Checkpoint, error) {
	cs, err := s.Store.ListAuditCheckpoints(ctx, main, before, limit)
	s.mu.Lock()
	edit := s.edit
	s.mu.Unlock()
	if err != nil || edit == nil {
		return cs, err
	}
	return edit(cs), nil
}

// independentVerify checks the chain of the main account as an outside
// party would, from docs/audit-retention.md alone: it reads the
// checkpoints, keys and events through the HTTP API and uses only the
// standard library (crypto/ed25519, crypto/sha256, encoding/json), none of
// package audit's code.
func independentVerify(t *testing.T, env *kittest.Env, mainID string) error {
	t.Helper()
	tok := env.Tokens.Issue(kittest.Manager(mainID, "outside-auditor"))
	get := func(path string, v any) {
		t.Helper()
		r := env.Do(t, "GET", path, tok, nil)
		require.Equal(t, 200, r.Status, string(r.Body))
		require.NoError(t, json.Unmarshal(r.Body, v))
	}
	type apiCheckpoint struct {
		MainAccountID string `json:"main_account_id"`
		Seq           int64  `json:"seq"`
		Hash          string `json:"hash"`
		Count         int64  `json:"count"`
		Time          string `json:"time"`
		KeyID         string `json:"key_id"`
		Signature     string `json:"signature"`
	}
	type apiEvent struct {
		ID          string            `json:"id"`
		AccountID   string            `json:"account_id"`
		Time        string            `json:"time"`
		ActorID     string            `json:"actor_id"`
		Actor       string            `json:"actor"`
		Item        string            `json:"item"`
		Action      string            `json:"action"`
		Status      string            `json:"status"`
		Description string            `json:"description"`
		TargetType  string            `json:"target_type"`
		TargetID    string            `json:"target_id"`
		TargetName  string            `json:"target_name"`
		IP          string            `json:"ip"`
		UserAgent   string            `json:"user_agent"`
		Details     map[string]string `json:"details"`
		Seq         int64             `json:"seq"`
		Hash        string            `json:"hash"`
	}
	var cps []apiCheckpoint
	keys := map[string]ed25519.PublicKey{}
	format := ""
	for cursor := ""; ; {
		var page struct {
			Items      []apiCheckpoint `json:"items"`
			NextCursor string          `json:"next_cursor"`
			Format     string          `json:"format"`
			Keys       []struct {
				KeyID     string `json:"key_id"`
				Algorithm string `json:"algorithm"`
				PublicKey string `json:"public_key"`
			} `json:"keys"`
		}
		get("/api/v1/audit/checkpoints?limit=200&account_id="+mainID+"&cursor="+url.QueryEscape(cursor), &page)
		cps = append(cps, page.Items...)
		format = page.Format
		for _, k := range page.Keys {
			pub, err := base64.StdEncoding.DecodeString(k.PublicKey)
			if err != nil || len(pub) != ed25519.PublicKeySize || k.Algorithm != "Ed25519" {
				return fmt.Errorf("bad key %s", k.KeyID)
			}
			sum := sha256.Sum256(pub)
			if hex.EncodeToString(sum[:8]) != k.KeyID {
				return fmt.Errorf("key ID %s does not match its key", k.KeyID)
			}
			keys[k.KeyID] = pub
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	var events []apiEvent
	for cursor := ""; ; {
		var page struct {
			Items      []apiEvent `json:"items"`
			NextCursor string     `json:"next_cursor"`
		}
		get("/api/v1/audit/events?limit=200&include_subaccounts=true&account_id="+mainID+"&cursor="+url.QueryEscape(cursor), &page)
		events = append(events, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}

	// The checkpoints, oldest first: each signed by a trusted key, each
	// one's seq - count the previous one's seq (0 for the first).
	sort.Slice(cps, func(i, j int) bool { return cps[i].Seq < cps[j].Seq })
	seq, prev := int64(0), ""
	for _, c := range cps {
		pub, ok := keys[c.KeyID]
		if !ok {
			return fmt.Errorf("checkpoint %d: untrusted key %s", c.Seq, c.KeyID)
		}
		msg := strings.Join([]string{format, c.MainAccountID, strconv.FormatInt(c.Seq, 10), c.Hash,
			strconv.FormatInt(c.Count, 10), c.Time, c.KeyID}, "\n") + "\n"
		sig, err := base64.StdEncoding.DecodeString(c.Signature)
		if err != nil || !ed25519.Verify(pub, []byte(msg), sig) {
			return fmt.Errorf("checkpoint %d: bad signature", c.Seq)
		}
		if c.MainAccountID != mainID || c.Seq-c.Count != seq {
			return fmt.Errorf("checkpoint %d does not follow %d", c.Seq, seq)
		}
		seq, prev = c.Seq, c.Hash
	}
	// The remaining events, by seq, each hashed over its fields and the
	// previous hash.
	sort.Slice(events, func(i, j int) bool { return events[i].Seq < events[j].Seq })
	for _, e := range events {
		if e.Seq != seq+1 {
			return fmt.Errorf("event %d missing", seq+1)
		}
		var details any
		if e.Details != nil {
			details = e.Details
		}
		canon, err := json.Marshal([]any{e.ID, e.AccountID, mainID, e.Time, e.ActorID, e.Actor, e.Item, e.Action,
			e.Status, e.Description, e.TargetType, e.TargetID, e.TargetName, e.IP, e.UserAgent, details,
			strconv.FormatInt(e.Seq, 10), prev})
		if err != nil {
			return err
		}
		sum := sha256.Sum256(canon)
		if hex.EncodeToString(sum[:]) != e.Hash {
			return fmt.Errorf("event %d: hash mismatch", e.Seq)
		}
		seq, prev = e.Seq, e.Hash
	}
	if len(events) == 0 && len(cps) == 0 {
		return errors.New("nothing to verify")
	}
	return nil
}

// purgeDuringRead runs hook once, before the first ListAuditChain made
// outside a transaction after it is armed: a purge that commits while
// Verify reads the events.
type purgeDuringRead struct {
	storage.Store
	mu   sync.Mutex
	hook func()
}

func (s *purgeDuringRead) ListAuditChain(ctx context.Context, main string, after int64, limit int) ([]*audit.Event, error) {
	s.mu.Lock()
	hook := s.hook
	s.hook = nil
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return s.Store.ListAuditChain(ctx, main, after, limit)
}

// TestRetention_VerifyDuringPurge: a purge that commits after Verify read
// the checkpoints moves the start of the chain; Verify starts again from
// the new checkpoint instead of reporting the chain broken.
func TestRetention_VerifyDuringPurge(t *testing.T) {
	t.Parallel()
	ps := &purgeDuringRead{Store: kittest.Stores()["memory"](t)}
	env := retentionEnv(t, ps, testKey(8))
	acme := env.MainAccount(t, "acme")
	record(t, env, acme.ID, 5, "Chatbot", "Old")
	setRetention(t, env, acme, 30)
	env.Clock.Advance(31 * 24 * time.Hour)
	record(t, env, acme.ID, 2, "Chatbot", "Recent")
	purged := 0
	ps.mu.Lock()
	ps.hook = func() {
		n, err := env.Kit.Audit.PurgeRetention(env.System())
		require.NoError(t, err)
		purged = n
	}
	ps.mu.Unlock()
	res := verify(t, env, acme.ID)
	require.Positive(t, purged, "the purge ran during Verify")
	assert.True(t, res.OK, "%+v", res)
	assert.Equal(t, 1, res.Checkpoints, "the second pass started from the new checkpoint")
}
