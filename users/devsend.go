package users

import (
	"context"
	"log/slog"
)

// LogMailer is a development Mailer: it logs each message with its link
// at level Info instead of sending it, so invitations and password resets
// can be followed on a machine without a mail server. The links are
// secrets (whoever holds one acts as the user): never use it in
// production — kit.New installs it only in Development mode and refuses
// Development in Production.
type LogMailer struct {
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Send logs m and its link.
func (m LogMailer) Send(ctx context.Context, msg Message) error {
	logger := m.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.InfoContext(ctx, "development mailer: email not sent", "kind", string(msg.Kind), "to", msg.To,
		"username", msg.Username, "url", msg.URL, "expires_at", msg.ExpiresAt)
	return nil
}

// LogSMS is a development SMSSender: it logs each text message (phone
// verification codes) at level Info instead of sending it. Like LogMailer
// it is for development only.
type LogSMS struct {
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// SendSMS logs the message.
func (m LogSMS) SendSMS(ctx context.Context, to, text string) error {
	logger := m.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.InfoContext(ctx, "development SMS sender: text not sent", "to", to, "text", text)
	return nil
}
