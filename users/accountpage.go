package users

import (
	"context"

	"github.com/accountkit/accountkit"
)

// Lister is the part of Store that AccountPage reads.
type Lister interface {
	ListUsers(ctx context.Context, f Filter) ([]*User, error)
}

// AccountPage returns one page of the users of one account, ordered by
// username, matching the word search q (see accountkit.SearchWords), and
// the cursor of the next page: the list that pages of other domains
// decorate with their own data (a seat, subscriptions). It checks no
// permission: the caller has. Errors: Invalid (a bad search, limit or
// cursor).
func AccountPage(ctx context.Context, store Lister, accountID, q string, req accountkit.PageRequest) ([]*User, string, error) {
	var v accountkit.Validation
	limit, after := v.Page(req)
	f := Filter{AccountIDs: []string{accountID}, Search: v.WordSearch("q", q), Sort: SortUsername, Limit: limit + 1}
	if after != nil {
		if after.Key == "" {
			v.BadCursor()
		}
		f.AfterKey, f.AfterID = after.Key, after.ID
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	list, err := store.ListUsers(ctx, f)
	if err != nil {
		return nil, "", err
	}
	list, next := accountkit.NextPage(list, limit, func(u *User) accountkit.Cursor {
		return accountkit.Cursor{Key: u.Username, ID: u.ID}
	})
	return list, next, nil
}
