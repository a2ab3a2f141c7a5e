package audit

import (
	"encoding/base64"
	"net/http"

	"github.com/accountkit/accountkit/internal/httpx"
)

// checkpoints serves RouteCheckpoints: the checkpoints of the chain of the
// main account of account_id (default: the principal's), newest first,
// with the trusted public keys. Query parameters: account_id, limit,
// cursor.
func (h *Handler) checkpoints(w http.ResponseWriter, r *http.Request) {
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	page, err := h.svc.Checkpoints(r.Context(), CheckpointQuery{AccountID: q.Get("account_id"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := checkpointList{Items: make([]checkpointJSON, len(page.Checkpoints)), NextCursor: page.NextCursor,
		Format: CheckpointFormat, Keys: make([]keyJSON, len(page.Keys))}
	for i, c := range page.Checkpoints {
		out.Items[i] = checkpointJSON{ID: c.ID, MainAccountID: c.MainAccountID, Seq: c.Seq, Hash: c.Hash, Count: c.Count,
			Time: c.Time.UTC().Format(CheckpointTimeLayout), KeyID: c.KeyID,
			Signature: base64.StdEncoding.EncodeToString(c.Signature)}
	}
	for i, k := range page.Keys {
		out.Keys[i] = keyJSON{KeyID: k.ID, Algorithm: "Ed25519", PublicKey: base64.StdEncoding.EncodeToString(k.PublicKey)}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// checkpointJSON is a checkpoint as the API shows it: its time in
// CheckpointTimeLayout (as signed), its signature in standard base64.
type checkpointJSON struct {
	ID            string `json:"id"`
	MainAccountID string `json:"main_account_id"`
	Seq           int64  `json:"seq"`
	Hash          string `json:"hash"`
	Count         int64  `json:"count"`
	Time          string `json:"time"`
	KeyID         string `json:"key_id"`
	Signature     string `json:"signature"`
}

// keyJSON is a trusted public key: its 32 bytes in standard base64.
type keyJSON struct {
	KeyID     string `json:"key_id"`
	Algorithm string `json:"algorithm"`
	PublicKey string `json:"public_key"`
}

type checkpointList struct {
	Items      []checkpointJSON `json:"items"`
	NextCursor string           `json:"next_cursor,omitempty"`
	// Format is the first line of every signed message.
	Format string    `json:"format"`
	Keys   []keyJSON `json:"keys"`
}
