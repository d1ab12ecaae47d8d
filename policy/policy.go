// Package policy holds the force's rules as numbers: every period, offset,
// threshold and mapping that SPEC §3 and §4 give a default for. The
// defaults are built in; a TOML file overrides any of them.
package policy

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/robfig/cron/v3"

	"vettingd/boundedfile"
)

// Policy is the effective policy.
type Policy struct {
	Import                  Import              `toml:"import" json:"import"`
	IntegrityReview         IntegrityReview     `toml:"integrity_review" json:"integrity_review"`
	Revetting               Revetting           `toml:"revetting" json:"revetting"`
	AnnualAppraisal         Appraisal           `toml:"annual_appraisal" json:"annual_appraisal"`
	VettingReview           VettingReview       `toml:"vetting_review" json:"vetting_review"`
	Misconduct              Misconduct          `toml:"misconduct" json:"misconduct"`
	Circumstances           Circumstances       `toml:"circumstances" json:"circumstances"`
	InterestReview          Periodic            `toml:"interest_review" json:"interest_review"`
	InterestComplianceCheck Once                `toml:"interest_compliance_check" json:"interest_compliance_check"`
	AssociationReview       Periodic            `toml:"association_review" json:"association_review"`
	SupervisorBriefing      Briefing            `toml:"supervisor_briefing" json:"supervisor_briefing"`
	MitigationReview        Periodic            `toml:"mitigation_review" json:"mitigation_review"`
	RandomRevetting         RandomRevetting     `toml:"random_revetting" json:"random_revetting"`
	Notifications           Notifications       `toml:"notifications" json:"notifications"`
	Baseline                map[string][]string `toml:"baseline" json:"baseline"`
	Satisfaction            map[string][]string `toml:"satisfaction" json:"satisfaction"`
}

// IntegrityReview is the annual integrity review of everyone (Rec 43).
type IntegrityReview struct {
	PeriodMonths int `toml:"period_months" json:"period_months"`
	NoticeDays   int `toml:"notice_days" json:"notice_days"`
	// With no history, the first review is not due before the person was
	// first imported + this many days.
	FirstImportGraceDays int `toml:"first_import_grace_days" json:"first_import_grace_days"`
}

// Revetting is the renewal of a clearance before it expires.
type Revetting struct {
	NoticeDays int `toml:"notice_days" json:"notice_days"`
	// ValidityMonths of a level when a clearance gives no expires_on.
	ValidityMonths map[string]int `toml:"validity_months" json:"validity_months"`
}

// Periodic is a review that recurs every PeriodMonths from its anchor.
type Periodic struct {
	PeriodMonths int `toml:"period_months" json:"period_months"`
	NoticeDays   int `toml:"notice_days" json:"notice_days"`
}

// Appraisal is the annual security appraisal (DV, EDV) and annual vetting
// notice (NPPV3) of the levels listed.
type Appraisal struct {
	Levels       []string `toml:"levels" json:"levels"`
	PeriodMonths int      `toml:"period_months" json:"period_months"`
	NoticeDays   int      `toml:"notice_days" json:"notice_days"`
}

// Once is a single review due Months after its trigger.
type Once struct {
	Months     int `toml:"months" json:"months"`
	NoticeDays int `toml:"notice_days" json:"notice_days"`
}

// VettingReview is the review a trigger event demands (Recs 11, 15; APP 2024).
type VettingReview struct {
	MisconductDays    int `toml:"misconduct_days" json:"misconduct_days"`
	CircumstancesDays int `toml:"circumstances_days" json:"circumstances_days"`
	AdverseDays       int `toml:"adverse_days" json:"adverse_days"`
}

// Misconduct says which outcomes trigger a vetting review (Rec 11).
type Misconduct struct {
	TriggeringOutcomes []string `toml:"triggering_outcomes" json:"triggering_outcomes"`
}

// Circumstances governs changes of circumstance (Rec 15).
type Circumstances struct {
	// Categories reviewed at once, without waiting for an assessment.
	ReviewWithoutAssessment []string `toml:"review_without_assessment" json:"review_without_assessment"`
	AssessmentDays          int      `toml:"assessment_days" json:"assessment_days"`
	// Categories whose assessment falls to PSD rather than the vetting unit.
	PSDCategories []string `toml:"psd_categories" json:"psd_categories"`
}

// Briefing is the briefing of a supervisor about an interest or association (Recs 41, 42).
type Briefing struct {
	Days int `toml:"days" json:"days"`
}

// RandomRevetting is the monthly randomised re-vetting draw (APP 2024).
type RandomRevetting struct {
	AnnualRate    float64 `toml:"annual_rate" json:"annual_rate"`
	DueDays       int     `toml:"due_days" json:"due_days"`
	ExcludeMonths int     `toml:"exclude_months" json:"exclude_months"`
}

// Notifications says when people are told (SPEC §5).
type Notifications struct {
	ReminderDays           int `toml:"reminder_days" json:"reminder_days"`                       // before due
	EscalateSupervisorDays int `toml:"escalate_supervisor_days" json:"escalate_supervisor_days"` // overdue: the assignee's supervisor
	EscalateUnitDays       int `toml:"escalate_unit_days" json:"escalate_unit_days"`             // overdue: the vetting unit
	// UrgentKinds reach the vetting unit at once, not in the next digest.
	UrgentKinds []string `toml:"urgent_kinds" json:"urgent_kinds"`
	// UnitKinds: the vetting unit is told of every new review of these kinds.
	UnitKinds []string `toml:"unit_kinds" json:"unit_kinds"`
	// DigestSchedule is when digests go out: a cron expression in the force's zone.
	DigestSchedule string `toml:"digest_schedule" json:"digest_schedule"`
	// BankHolidays are days (YYYY-MM-DD) with no digest; the next window carries their items.
	BankHolidays []string `toml:"bank_holidays" json:"bank_holidays"`
	// MaxAttempts is how often a message is tried before it is given up.
	MaxAttempts int `toml:"max_attempts" json:"max_attempts"`
}

// Import governs data imports (SPEC §3).
type Import struct {
	// A people snapshot that would make leavers of more than this fraction
	// of current people (a posts snapshot: close this fraction of open posts)…
	MaxLeaverFraction float64 `toml:"max_leaver_fraction" json:"max_leaver_fraction"`
	// …and of more than this many people (posts) is refused unless forced.
	MaxLeaverCountFloor int `toml:"max_leaver_count_floor" json:"max_leaver_count_floor"`
	// Columns maps, per kind, an expected column to the name an HR export
	// uses: [import.columns.people] given_name = "Forename".
	Columns map[string]map[string]string `toml:"columns" json:"columns"`
}

// Default returns the policy of the SPEC.
func Default() Policy {
	return Policy{
		Import:          Import{MaxLeaverFraction: 0.05, MaxLeaverCountFloor: 10, Columns: map[string]map[string]string{}},
		IntegrityReview: IntegrityReview{PeriodMonths: 12, NoticeDays: 30, FirstImportGraceDays: 90},
		Revetting: Revetting{NoticeDays: 180, ValidityMonths: map[string]int{
			"RV": 120, "MV": 84, "NPPV1": 36, "NPPV2A": 36, "NPPV2F": 36, "NPPV3": 60,
			"CTC": 120, "SC": 120, "DV": 84, "EDV": 84,
		}},
		AnnualAppraisal:         Appraisal{Levels: []string{"DV", "EDV", "NPPV3"}, PeriodMonths: 12, NoticeDays: 30},
		VettingReview:           VettingReview{MisconductDays: 28, CircumstancesDays: 28, AdverseDays: 7},
		Misconduct:              Misconduct{TriggeringOutcomes: []string{"written_warning", "final_written_warning", "reduction_in_rank"}},
		Circumstances:           Circumstances{ReviewWithoutAssessment: []string{"criminal"}, AssessmentDays: 14, PSDCategories: []string{"association", "business_interest"}},
		InterestReview:          Periodic{PeriodMonths: 12, NoticeDays: 30},
		InterestComplianceCheck: Once{Months: 6, NoticeDays: 14},
		AssociationReview:       Periodic{PeriodMonths: 6, NoticeDays: 14},
		SupervisorBriefing:      Briefing{Days: 14},
		MitigationReview:        Periodic{PeriodMonths: 6, NoticeDays: 14},
		RandomRevetting:         RandomRevetting{AnnualRate: 0.02, DueDays: 90, ExcludeMonths: 12},
		Notifications: Notifications{ReminderDays: 7, EscalateSupervisorDays: 7, EscalateUnitDays: 14,
			UrgentKinds: []string{"vetting_gap", "vetting_review"}, UnitKinds: []string{"vetting_gap", "vetting_review", "random_revetting"},
			DigestSchedule: "0 8 * * 1-5", BankHolidays: []string{}, MaxAttempts: 10},
		Baseline: map[string][]string{
			"officer": {"RV"}, "special": {"RV"}, "pcso": {"RV"}, "staff": {"RV"},
			"volunteer": {"NPPV2A"}, "contractor": {"NPPV1"},
		},
		Satisfaction: map[string][]string{
			"RV": {"RV", "MV"}, "MV": {"MV"},
			"NPPV1":  {"NPPV1", "NPPV2A", "NPPV2F", "NPPV3", "RV", "MV"},
			"NPPV2A": {"NPPV2A", "NPPV2F", "NPPV3", "RV", "MV"},
			"NPPV2F": {"NPPV2F", "NPPV3", "RV", "MV"},
			"NPPV3":  {"NPPV3", "MV"},
			"CTC":    {"CTC", "SC", "DV", "EDV"}, "SC": {"SC", "DV", "EDV"}, "DV": {"DV", "EDV"}, "EDV": {"EDV"},
		},
	}
}

// Load returns the defaults overridden by the file at path ("" for none).
// A key the policy does not know, or a value out of range, is refused
// with a message naming it.
func Load(path string) (Policy, error) {
	p := Default()
	if path == "" {
		return p, nil
	}
	b, err := readPolicy(path)
	if err != nil {
		return p, err
	}
	md, err := toml.Decode(string(b), &p)
	if err != nil {
		return p, fmt.Errorf("policy %s: %w", path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return p, fmt.Errorf("policy %s: unknown key %q", path, undecoded[0].String())
	}
	return p, p.Validate()
}

// maxFile bounds a policy file: a full one is a few kilobytes.
const maxFile = 1 << 20

// readPolicy reads a policy file: a regular file (a device such as
// /dev/zero, or a pipe nobody writes to, would never end) of at most
// maxFile bytes. It opens without blocking, so that a FIFO cannot hang it.
func readPolicy(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("policy %s: not a regular file", path)
	}
	b, err := boundedfile.ReadFrom(f, maxFile)
	switch {
	case errors.Is(err, boundedfile.ErrTooLarge):
		return nil, fmt.Errorf("policy %s: larger than %d bytes: is it the policy file?", path, maxFile)
	case err != nil:
		return nil, fmt.Errorf("policy: %w", err)
	}
	return b, nil
}

// Levels are the vetting levels.
var Levels = []string{"RV", "MV", "NPPV1", "NPPV2A", "NPPV2F", "NPPV3", "CTC", "SC", "DV", "EDV"}

var (
	workforceTypes = []string{"officer", "staff", "pcso", "special", "volunteer", "contractor"}
	outcomes       = []string{"no_case_to_answer", "reflective_practice", "management_advice", "written_warning", "final_written_warning", "reduction_in_rank", "dismissal"}
	categories     = []string{"name", "address", "household", "relationship", "finances", "criminal", "civil", "association", "business_interest", "other"}
)

// ReviewKinds are the kinds of review of SPEC §4.
var ReviewKinds = []string{"integrity_review", "revetting", "annual_appraisal", "vetting_gap", "vetting_review", "circumstances_assessment",
	"interest_review", "interest_compliance_check", "association_review", "supervisor_briefing", "mitigation_review", "random_revetting"}

func (n Notifications) validate() error {
	if n.EscalateUnitDays < n.EscalateSupervisorDays {
		return fmt.Errorf("policy: notifications.escalate_unit_days (%d) must not come before notifications.escalate_supervisor_days (%d)",
			n.EscalateUnitDays, n.EscalateSupervisorDays)
	}
	if _, err := cron.ParseStandard(n.DigestSchedule); err != nil {
		return fmt.Errorf("policy: notifications.digest_schedule %q is not a cron expression: %v", n.DigestSchedule, err)
	}
	for _, d := range n.BankHolidays {
		if _, err := time.Parse("2006-01-02", d); err != nil {
			return fmt.Errorf("policy: notifications.bank_holidays: %q is not a date (YYYY-MM-DD)", d)
		}
	}
	if n.MaxAttempts < 1 || n.MaxAttempts > 100 {
		return fmt.Errorf("policy: notifications.max_attempts must be from 1 to 100, not %d", n.MaxAttempts)
	}
	return nil
}

// Validate names the first setting out of range, taking the settings of
// each table in the order of their names, so that the same file always
// names the same one.
func (p Policy) Validate() error {
	if f := p.Import.MaxLeaverFraction; f < 0 || f > 1 {
		return fmt.Errorf("policy: import.max_leaver_fraction must be between 0 and 1, not %g", f)
	}
	if p.Import.MaxLeaverCountFloor < 0 {
		return fmt.Errorf("policy: import.max_leaver_count_floor must not be negative")
	}
	for _, kind := range sortedKeys(p.Import.Columns) {
		cols := p.Import.Columns[kind]
		for _, want := range sortedKeys(cols) {
			if strings.TrimSpace(cols[want]) == "" {
				return fmt.Errorf("policy: import.columns.%s.%s must name a column", kind, want)
			}
		}
	}
	months := map[string]int{
		"integrity_review.period_months": p.IntegrityReview.PeriodMonths, "annual_appraisal.period_months": p.AnnualAppraisal.PeriodMonths,
		"interest_review.period_months": p.InterestReview.PeriodMonths, "interest_compliance_check.months": p.InterestComplianceCheck.Months,
		"association_review.period_months": p.AssociationReview.PeriodMonths, "mitigation_review.period_months": p.MitigationReview.PeriodMonths,
		"random_revetting.exclude_months": p.RandomRevetting.ExcludeMonths,
	}
	for _, key := range sortedKeys(months) {
		if v := months[key]; v < 1 || v > 240 {
			return fmt.Errorf("policy: %s must be from 1 to 240 months, not %d", key, v)
		}
	}
	days := map[string]int{
		"integrity_review.notice_days": p.IntegrityReview.NoticeDays, "integrity_review.first_import_grace_days": p.IntegrityReview.FirstImportGraceDays,
		"revetting.notice_days": p.Revetting.NoticeDays, "annual_appraisal.notice_days": p.AnnualAppraisal.NoticeDays,
		"vetting_review.misconduct_days": p.VettingReview.MisconductDays, "vetting_review.circumstances_days": p.VettingReview.CircumstancesDays,
		"vetting_review.adverse_days": p.VettingReview.AdverseDays, "circumstances.assessment_days": p.Circumstances.AssessmentDays,
		"interest_review.notice_days": p.InterestReview.NoticeDays, "interest_compliance_check.notice_days": p.InterestComplianceCheck.NoticeDays,
		"association_review.notice_days": p.AssociationReview.NoticeDays, "supervisor_briefing.days": p.SupervisorBriefing.Days,
		"mitigation_review.notice_days": p.MitigationReview.NoticeDays, "random_revetting.due_days": p.RandomRevetting.DueDays,
		"notifications.reminder_days": p.Notifications.ReminderDays, "notifications.escalate_supervisor_days": p.Notifications.EscalateSupervisorDays,
		"notifications.escalate_unit_days": p.Notifications.EscalateUnitDays,
	}
	for _, key := range sortedKeys(days) {
		if v := days[key]; v < 0 || v > 3650 {
			return fmt.Errorf("policy: %s must be from 0 to 3650 days, not %d", key, v)
		}
	}
	if err := p.Notifications.validate(); err != nil {
		return err
	}
	if r := p.RandomRevetting.AnnualRate; r < 0 || r > 1 {
		return fmt.Errorf("policy: random_revetting.annual_rate must be between 0 and 1, not %g", r)
	}
	for _, l := range Levels {
		if p.Revetting.ValidityMonths[l] < 1 {
			return fmt.Errorf("policy: revetting.validity_months.%s must be at least 1", l)
		}
		if len(p.Satisfaction[l]) == 0 {
			return fmt.Errorf("policy: satisfaction.%s must list the levels that satisfy %s", l, l)
		}
	}
	return p.validateLists()
}

// sortedKeys returns the keys of m in order: Go's map order changes from
// run to run, and the setting an error names must not.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func (p Policy) validateLists() error {
	check := func(key string, list, allowed []string) error {
		for _, v := range list {
			if !slices.Contains(allowed, v) {
				return fmt.Errorf("policy: %s: %q is not one of %s", key, v, strings.Join(allowed, ", "))
			}
		}
		return nil
	}
	lists := []struct {
		key           string
		list, allowed []string
	}{
		{"annual_appraisal.levels", p.AnnualAppraisal.Levels, Levels},
		{"misconduct.triggering_outcomes", p.Misconduct.TriggeringOutcomes, outcomes},
		{"circumstances.review_without_assessment", p.Circumstances.ReviewWithoutAssessment, categories},
		{"circumstances.psd_categories", p.Circumstances.PSDCategories, categories},
		{"notifications.urgent_kinds", p.Notifications.UrgentKinds, ReviewKinds},
		{"notifications.unit_kinds", p.Notifications.UnitKinds, ReviewKinds},
	}
	for _, level := range sortedKeys(p.Satisfaction) {
		held := p.Satisfaction[level]
		lists = append(lists, struct {
			key           string
			list, allowed []string
		}{"satisfaction." + level, append([]string{level}, held...), Levels})
	}
	for _, wf := range sortedKeys(p.Baseline) {
		levels := p.Baseline[wf]
		if !slices.Contains(workforceTypes, wf) {
			return fmt.Errorf("policy: baseline.%s: not a workforce type (%s)", wf, strings.Join(workforceTypes, ", "))
		}
		lists = append(lists, struct {
			key           string
			list, allowed []string
		}{"baseline." + wf, levels, Levels})
	}
	for _, level := range sortedKeys(p.Revetting.ValidityMonths) {
		if !slices.Contains(Levels, level) {
			return fmt.Errorf("policy: revetting.validity_months.%s: not a vetting level", level)
		}
	}
	for _, l := range lists {
		if err := check(l.key, l.list, l.allowed); err != nil {
			return err
		}
	}
	return nil
}

// TOML renders the policy as a file that Load accepts.
func (p Policy) TOML() string {
	var b bytes.Buffer
	_ = toml.NewEncoder(&b).Encode(p)
	return b.String()
}
