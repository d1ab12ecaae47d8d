package store

import (
	"context"
	"fmt"
)

// PersonBySlackUser returns the employee id of the person with this Slack
// user id, or else with this e-mail address (case-insensitive); ErrNotFound
// when neither matches.
func (s *Store) PersonBySlackUser(ctx context.Context, slackUserID, email string) (string, error) {
	var ids []string
	err := s.db.SelectContext(ctx, &ids, `SELECT employee_id FROM people WHERE slack_user_id = $1
		UNION ALL SELECT employee_id FROM people WHERE $2 <> '' AND LOWER(email) = LOWER($2)`, slackUserID, email)
	if err != nil {
		return "", fmt.Errorf("store: person by Slack user: %w", err)
	}
	if len(ids) == 0 {
		return "", ErrNotFound
	}
	return ids[0], nil
}
