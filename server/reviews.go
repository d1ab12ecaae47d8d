package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"vettingd/civil"
	"vettingd/scheduler"
	"vettingd/store"
)

var reviewStatuses = map[string][]string{
	"": nil, "open": {"open"}, "acknowledged": {"acknowledged"}, "completed": {"completed"}, "cancelled": {"cancelled"},
	"all": {"open", "acknowledged", "completed", "cancelled"},
}

// scope narrows a filter to what the principal may see: a supervisor
// the supervisor reviews and vetting gaps of their reporting line, and
// the reviews they own (a mitigation plan's); PSD the reviews assigned to
// PSD.
func scope(f *store.ReviewFilter, p *principal) {
	switch p.Role {
	case RoleSupervisor:
		f.TeamOf, f.SupervisorView, f.Owner = p.employee(), true, p.employee()
	case RolePSD:
		f.AssigneeRole = RolePSD
	}
}

// supervisorMaySee is the least a supervisor needs: the reviews assigned to
// a supervisor, and the vetting gaps they are told of. Triggered vetting
// reviews, assessments and PSD's work stay with the units (SPEC §5: no
// misconduct or circumstances detail beyond those who need it).
func supervisorMaySee(rv store.Review) bool {
	return rv.AssigneeRole == RoleSupervisor || rv.Kind == scheduler.VettingGap
}

// listReviews answers as `reviews list --format json` does, scoped to the
// caller, and audits the read.
func (a *API) listReviews(w http.ResponseWriter, r *http.Request, p *principal) {
	q := r.URL.Query()
	statuses, ok := reviewStatuses[q.Get("status")]
	if !ok {
		writeError(w, http.StatusBadRequest, "status must be one of open, acknowledged, completed, cancelled, all")
		return
	}
	f := store.ReviewFilter{Statuses: statuses, Kind: q.Get("kind"), EmployeeID: q.Get("employee_id"), AsOf: a.today()}
	if f.Kind != "" && !contains(scheduler.Kinds, f.Kind) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("kind %q is not a review kind", f.Kind))
		return
	}
	var err error
	if f.Overdue, err = queryBool(q.Get("overdue")); err != nil {
		writeError(w, http.StatusBadRequest, "overdue: "+err.Error())
		return
	}
	f.NotOverdue = q.Get("overdue") != "" && !f.Overdue // overdue=false: only those that are not
	scope(&f, p)
	entity, id := "reviews", "list"
	if f.EmployeeID != "" {
		entity, id = "person", f.EmployeeID
	}
	if err := a.audit(r.Context(), p, "reviews_read", entity, id, map[string]any{"query": r.URL.RawQuery}); err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	enc, n := json.NewEncoder(w), 0
	_, _ = w.Write([]byte("["))
	err = a.Store.EachReview(r.Context(), f, func(rv store.Review) error {
		if n > 0 {
			_, _ = w.Write([]byte(","))
		}
		n++
		return enc.Encode(rv)
	})
	if err != nil {
		// The status is sent: leave the array unclosed, so the client
		// cannot take a partial list for the whole.
		a.Log.Error("Listing reviews failed midway", "error", err)
		return
	}
	_, _ = w.Write([]byte("]\n"))
}

// visible loads a review the principal may act on: 404 when there is none,
// 403 when it is not theirs to see; it answers itself and returns false then.
func (a *API) visible(w http.ResponseWriter, r *http.Request, p *principal) (store.Review, bool) {
	rv, status, err := a.reviewFor(r.Context(), p, r.PathValue("id"))
	switch {
	case status == http.StatusInternalServerError:
		a.fail(w, r, err)
	case err != nil:
		writeError(w, status, err.Error())
	}
	return rv, err == nil
}

// reviewFor loads a review by its id in text if p may see it; otherwise
// the error says why, with the status to answer.
func (a *API) reviewFor(ctx context.Context, p *principal, idText string) (store.Review, int, error) {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return store.Review{}, http.StatusNotFound, errors.New("no such review")
	}
	rv, err := a.Store.Review(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return rv, http.StatusNotFound, errors.New("no such review")
	}
	if err != nil {
		return rv, http.StatusInternalServerError, err
	}
	ok := true
	switch p.Role {
	case RolePSD:
		ok = rv.AssigneeRole == RolePSD
	case RoleSupervisor:
		if ownedBy(rv, p) {
			break
		}
		if ok, err = a.Store.InTeam(ctx, p.employee(), rv.EmployeeID); err != nil {
			return rv, http.StatusInternalServerError, err
		}
		ok = ok && supervisorMaySee(rv)
	}
	if !ok {
		return rv, http.StatusForbidden, fmt.Errorf("review %d is not one of yours", rv.ID)
	}
	rv.Overdue = isOverdue(rv, a.today())
	return rv, http.StatusOK, nil
}

// mayAct says whether p may acknowledge or complete rv, which they can see:
// a supervisor only the reviews assigned to a supervisor, and those they
// own (a vetting gap they are told of is the vetting unit's to close).
func mayAct(p *principal, rv store.Review) bool {
	return p.Role != RoleSupervisor || rv.AssigneeRole == RoleSupervisor || ownedBy(rv, p)
}

// ownedBy says whether rv is assigned to p's person as its owner (SPEC §4:
// a mitigation review goes to the plan's named owner, who need not
// supervise the person), and is not about them: nobody acts on their own
// risk plan.
func ownedBy(rv store.Review, p *principal) bool {
	me := p.employee()
	return me != "" && rv.AssigneeRole == "owner" && rv.AssigneeID != nil && *rv.AssigneeID == me && rv.EmployeeID != me
}

func isOverdue(rv store.Review, today civil.Date) bool {
	return (rv.Status == "open" || rv.Status == "acknowledged") && rv.DueOn.Before(today)
}

func isInvalid(err error) bool { return errors.Is(err, scheduler.ErrInvalid) }

// action is the body of acknowledge and complete.
type action struct {
	By           string     `json:"by"` // for a token not bound to a person
	Outcome      string     `json:"outcome"`
	On           civil.Date `json:"on"`
	Note         string     `json:"note"`
	Declarations []string   `json:"declarations"`
}

// readAction decodes the optional body and works out who acts: the
// token's person, else "by".
func readAction(w http.ResponseWriter, r *http.Request, p *principal) (action, bool) {
	var a action
	if r.ContentLength != 0 && !decodeJSON(w, r, &a) {
		return a, false
	}
	if who := p.employee(); who != "" {
		if a.By != "" && a.By != who {
			writeError(w, http.StatusBadRequest, "by must be the token's own person, or left out")
			return a, false
		}
		a.By = who
	}
	if a.By == "" {
		writeError(w, http.StatusBadRequest, "by (the employee id of who acts) is required for a token not bound to a person")
		return a, false
	}
	return a, true
}

// actable is visible, and refuses 403 what p may see but not act on.
func (a *API) actable(w http.ResponseWriter, r *http.Request, p *principal) (store.Review, bool) {
	rv, ok := a.visible(w, r, p)
	if ok && !mayAct(p, rv) {
		writeError(w, http.StatusForbidden, fmt.Sprintf("review %d is the %s's to act on", rv.ID, rv.AssigneeRole))
		return rv, false
	}
	return rv, ok
}

func (a *API) acknowledge(w http.ResponseWriter, r *http.Request, p *principal) {
	rv, ok := a.actable(w, r, p)
	if !ok {
		return
	}
	act, ok := readAction(w, r, p)
	if !ok {
		return
	}
	err := a.Planner.Acknowledge(r.Context(), a.today(), p.actor(), rv.ID, act.By)
	a.answerLifecycle(w, r, rv.ID, err)
}

func (a *API) complete(w http.ResponseWriter, r *http.Request, p *principal) {
	rv, ok := a.actable(w, r, p)
	if !ok {
		return
	}
	act, ok := readAction(w, r, p)
	if !ok {
		return
	}
	_, err := a.Planner.Complete(r.Context(), a.today(), p.actor(), rv.ID,
		store.Completion{By: act.By, On: act.On, Outcome: act.Outcome, Note: act.Note, Declarations: act.Declarations})
	a.answerLifecycle(w, r, rv.ID, err)
}

// answerLifecycle maps the lifecycle's errors to statuses and otherwise
// answers with the review as it now stands.
func (a *API) answerLifecycle(w http.ResponseWriter, r *http.Request, id int64, err error) {
	switch {
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, plain(err))
		return
	case errors.Is(err, scheduler.ErrInvalid):
		writeError(w, http.StatusBadRequest, plain(err))
		return
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
		return
	case err != nil:
		a.fail(w, r, err)
		return
	}
	rv, err := a.Store.Review(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rv.Overdue = isOverdue(rv, a.today())
	writeJSON(w, http.StatusOK, rv)
}
