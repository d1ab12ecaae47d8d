package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"vettingd/civil"
	"vettingd/notify"
	vslack "vettingd/notify/slack"
	"vettingd/scheduler"
	"vettingd/store"
)

// SlackActions acknowledges reviews from the Acknowledge buttons of Slack
// messages, arriving over HTTP (POST /slack/interactions, signed with the
// signing secret) or over Socket Mode.
type SlackActions struct {
	Store         *store.Store
	Planner       *scheduler.Planner
	Slack         *vslack.Notifier
	SigningSecret string
	Today         func() civil.Date
	Log           *slog.Logger
}

// ServeHTTP verifies a request from Slack and handles the click in it.
// Refusals the clicker should see go back to them as ephemeral messages;
// Slack itself is answered 200 once the request is genuine.
func (h *SlackActions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	form, err := vslack.VerifyRequest(r, h.SigningSecret)
	switch {
	case errors.Is(err, vslack.ErrUnverified):
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "the request is not signed by Slack, or is stale"})
		return
	case errors.Is(err, vslack.ErrTooLarge):
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": err.Error()})
		return
	case err != nil:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	click, err := vslack.ParseClick([]byte(form.Get("payload")))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if click != nil {
		h.Handle(r.Context(), click)
	}
	w.WriteHeader(http.StatusOK)
}

// Handle acknowledges the review a click names when the clicker is its
// assignee (for a unit's review: a click in the unit's channel by someone
// in the HR data), and updates the message; otherwise it tells the
// clicker why not.
func (h *SlackActions) Handle(ctx context.Context, c *vslack.Click) {
	if text := h.acknowledge(ctx, c); text != "" {
		if err := h.Slack.Refuse(ctx, c, text); err != nil {
			h.Log.Warn("Slack refusal not delivered", slog.Any("error", err))
		}
		return
	}
	if err := h.update(ctx, c); err != nil {
		h.Log.Warn("Slack message not updated after a click", "review_id", c.ReviewID, slog.Any("error", err))
	}
}

// acknowledge returns "" on success, else what to tell the clicker.
func (h *SlackActions) acknowledge(ctx context.Context, c *vslack.Click) string {
	who, err := h.Store.PersonBySlackUser(ctx, c.UserID, "")
	if errors.Is(err, store.ErrNotFound) {
		// Someone reached by e-mail lookup has no Slack id in the HR data.
		if email, lerr := h.Slack.UserEmail(ctx, c.UserID); lerr == nil && email != "" {
			who, err = h.Store.PersonBySlackUser(ctx, c.UserID, email)
		}
	}
	if err != nil {
		return "Your Slack account is not linked to anyone in vettingd's HR data, so you cannot acknowledge reviews from Slack."
	}
	r, err := h.Store.Review(ctx, c.ReviewID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Sprintf("Review %d cannot be found.", c.ReviewID)
	}
	if err != nil {
		h.Log.Error("Slack click: review not loaded", "review_id", c.ReviewID, slog.Any("error", err))
		return "Something went wrong; the review was not acknowledged. Please try again or use vettingd's pages."
	}
	if !h.mayAcknowledge(r, who, c.ChannelID) {
		return fmt.Sprintf("Only the person this review is assigned to can acknowledge it (review %d).", r.ID)
	}
	err = h.Planner.Acknowledge(ctx, h.Today(), "slack:"+c.UserID, r.ID, who)
	switch {
	case errors.Is(err, store.ErrConflict):
		return fmt.Sprintf("Review %d is already %s.", r.ID, r.Status)
	case err != nil:
		h.Log.Error("Acknowledge from Slack failed", "review_id", r.ID, slog.Any("error", err))
		return "Something went wrong; the review was not acknowledged. Please try again or use vettingd's pages."
	}
	return ""
}

func (h *SlackActions) mayAcknowledge(r store.Review, who, channel string) bool {
	if r.AssigneeID != nil {
		return *r.AssigneeID == who
	}
	unit := h.Slack.UnitChannel(r.AssigneeRole)
	return unit != "" && unit == channel
}

// update re-renders the clicked message with each item's state.
func (h *SlackActions) update(ctx context.Context, c *vslack.Click) error {
	stored, err := h.Store.MessageByRef(ctx, c.ChannelID+"/"+c.MessageTS)
	if err != nil {
		return err
	}
	var m notify.Message
	if err := json.Unmarshal([]byte(stored.Body), &m); err != nil {
		return err
	}
	ids := make([]int64, len(m.Items))
	for i, it := range m.Items {
		ids[i] = it.ReviewID
	}
	done, err := h.Store.ReviewStates(ctx, ids)
	if err != nil {
		return err
	}
	return h.Slack.Update(ctx, c, m, done)
}
