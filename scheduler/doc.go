// Package scheduler holds the rules of SPEC §4 — which reviews must exist
// for a person, as of a date — and the planner that applies them to the
// store. Each rule family is a plain function in its own file, from a
// person's records to the reviews that should be open; the planner compares
// that with what is open and creates, updates, completes or cancels.
// The rules decide what is due; they never send anything.
package scheduler
