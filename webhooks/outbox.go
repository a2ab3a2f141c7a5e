package webhooks

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
)

// ReactionOutbox names the Service's reaction to audit.Recorded.
const ReactionOutbox = "webhooks: write the outbox"

// DomainType returns the domain event type of an audit event, "" when it
// has none. Only successes have one.
func DomainType(e *audit.Event) string {
	if e.Status != audit.StatusSuccess {
		return ""
	}
	switch e.Item {
	case audit.ItemUser:
		switch {
		case e.Action == audit.ActionCreate && e.Description == "User created.":
			return TypeUserCreated
		case e.Action == audit.ActionEnable:
			return TypeUserEnabled
		case e.Action == audit.ActionDisable:
			return TypeUserDisabled
		case e.Action == audit.ActionDelete && e.Description == "User deleted.":
			return TypeUserDeleted
		case e.Action == audit.ActionLogin && strings.HasPrefix(e.Description, "User logged in"):
			if e.Details["method"] == "sso" {
				return TypeSSOLogin
			}
			return TypeUserLogin
		}
	case audit.ItemSeat:
		switch e.Action {
		case audit.ActionAssign:
			return TypeSeatAssigned
		case audit.ActionUnassign:
			return TypeSeatReleased
		}
	case audit.ItemAccount:
		if e.Action == audit.ActionUpdate || e.Action == audit.ActionEnforce || e.Action == audit.ActionUnenforce {
			return TypeSettingsChanged
		}
	case audit.Item2FA:
		if strings.HasSuffix(e.Description, "for all users.") || e.Description == "Two-factor authentication settings updated." {
			return TypeSettingsChanged
		}
	}
	return ""
}

// auditData is the "data" of an audit.event message and of an audit
// stream line.
type auditData struct {
	ID          string            `json:"id"`
	AccountID   string            `json:"account_id"`
	Time        time.Time         `json:"time"`
	ActorID     string            `json:"actor_id,omitempty"`
	ActorName   string            `json:"actor_name"`
	Item        audit.Item        `json:"item"`
	Action      audit.Action      `json:"action"`
	Status      audit.Status      `json:"status"`
	Description string            `json:"description"`
	TargetType  string            `json:"target_type,omitempty"`
	TargetID    string            `json:"target_id,omitempty"`
	TargetName  string            `json:"target_name,omitempty"`
	IP          string            `json:"ip,omitempty"`
	Details     map[string]string `json:"details,omitempty"`
}

// domainData is the "data" of a domain event message.
type domainData struct {
	AccountID    string            `json:"account_id"`
	AuditEventID string            `json:"audit_event_id"`
	ActorID      string            `json:"actor_id,omitempty"`
	ActorName    string            `json:"actor_name"`
	TargetType   string            `json:"target_type,omitempty"`
	TargetID     string            `json:"target_id,omitempty"`
	TargetName   string            `json:"target_name,omitempty"`
	Details      map[string]string `json:"details,omitempty"`
}

func messageData(typ string, e *audit.Event) (json.RawMessage, error) {
	var v any
	if typ == TypeAuditEvent {
		v = auditData{ID: e.ID, AccountID: e.AccountID, Time: e.Time.UTC(), ActorID: e.ActorID, ActorName: e.ActorName,
			Item: e.Item, Action: e.Action, Status: e.Status, Description: e.Description, TargetType: e.TargetType,
			TargetID: e.TargetID, TargetName: e.TargetName, IP: e.IP, Details: e.Details}
	} else {
		v = domainData{AccountID: e.AccountID, AuditEventID: e.ID, ActorID: e.ActorID, ActorName: e.ActorName,
			TargetType: e.TargetType, TargetID: e.TargetID, TargetName: e.TargetName, Details: e.Details}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, accountkit.Wrap(err, "internal error")
	}
	return b, nil
}

// outbox writes the messages and deliveries of an audit event in the
// transaction carried by ctx (the Recorder's). endpoints are those of
// path when read is true (read before the transaction, audit.Preparing);
// otherwise they are read here, under the transaction's locks.
func (s *Service) outbox(ctx context.Context, e *audit.Event, path []string, endpoints []*Endpoint, read bool) error {
	if !read {
		if len(path) == 0 {
			var err error
			if path, err = s.store.AccountAncestry(ctx, e.AccountID); err != nil {
				return err
			}
		}
		var err error
		if endpoints, err = s.store.ListWebhookEndpoints(ctx, path); err != nil {
			return err
		}
	}
	types := []string{TypeAuditEvent}
	if t := DomainType(e); t != "" {
		types = append(types, t)
	}
	now := s.now()
	for _, typ := range types {
		var msg *Message
		for _, ep := range endpoints {
			if !ep.Enabled || !ep.Wants(typ) {
				continue
			}
			if msg == nil {
				data, err := messageData(typ, e)
				if err != nil {
					return err
				}
				msg = &Message{ID: "msg_" + s.rt.IDs.NewID(), AccountID: e.AccountID, Type: typ, Timestamp: e.Time.UTC(), Data: data}
				if err := s.store.InsertWebhookMessage(ctx, msg); err != nil {
					return err
				}
			}
			d := &Delivery{ID: s.rt.IDs.NewID(), EndpointID: ep.ID, MessageID: msg.ID, AccountID: e.AccountID,
				Status: StatusPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
			if err := s.store.InsertWebhookDelivery(ctx, d); err != nil {
				return err
			}
		}
	}
	return nil
}
