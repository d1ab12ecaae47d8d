// Package report answers, as of a date, the questions a force is asked
// about the HMICFRS (2022) vetting recommendations (SPEC §8): for each, a
// count, a denominator where a share makes sense, the percentage, and the
// people (or posts) behind the number. Compliance builds a ComplianceReport
// from one consistent read of the store; its Write methods render it as
// text, CSV or a standalone HTML page, and the struct itself is the JSON.
//
// The definitions, where SPEC §8 leaves a choice:
//
//   - A person is current from start_date until end_date. A clearance is
//     current when it is the latest decision of its level for a current
//     person, a grant, and expires after the date — its explicit expires_on,
//     or decided_on plus the level's validity (scheduler.LatestDecisions, the
//     rules' own definition). "Satisfied" uses the policy's satisfaction map.
//   - Events (misconduct outcomes, circumstances reports) count from their
//     date up to the report's date, whoever they concern, leavers included:
//     a review cancelled because its person left is not a review done.
//   - Work on time is judged against the policy's days from the event:
//     vetting_review.misconduct_days from concluded_on (Rec 11),
//     circumstances.assessment_days from reported_on (Rec 15). Events still
//     inside their days and not yet done are "in progress", neither on time
//     nor late, so a busy week does not read as a failure.
//   - A periodic review (interest, association, mitigation) is in date when
//     its next review is open and not overdue; a record with no open review
//     is not in date (no plan has run since it arrived).
//   - An integrity review counts when completed in vettingd, or recorded by
//     HR as last_integrity_review_on, within integrity_review.period_months
//     before the date (completed + period not before the date, the same test
//     that keeps the next review from being overdue).
//   - Overdue is SPEC §4's: not completed or cancelled, due before the date.
package report
