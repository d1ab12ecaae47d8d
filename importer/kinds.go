package importer

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/store"
)

// Levels are the vetting levels, in the order of SPEC §3.
var Levels = policy.Levels

type fieldType int

const (
	tText fieldType = iota
	tDate
	tBool
	tInt
	tEnum
	tLevels
	tEmail
)

// field is one column of a kind's CSV file.
type field struct {
	name     string
	typ      fieldType
	required bool
	values   []string // allowed values of a tEnum
	def      any      // value when the cell is empty
}

// kind describes one import: its file's columns, the table it writes, the
// references it must keep, and the checks that look at a whole row.
type kind struct {
	name        string
	table       string
	key         string
	defaultMode string
	fields      []field
	extra       []store.Column // staged columns the file does not carry
	refs        []store.Ref    // the references checked (SPEC §3: to rows that exist after the import)
	check       func(r row, add func(column, msg string))
	// decided, when set, is a column that records a decision vettingd can
	// make itself: a stored decision outlives a file that still says
	// undecided (see store.KeepDecided).
	decided *decided
}

type decided struct {
	column, undecided string
	with              []string // the columns that go with the decision
}

func (k *kind) storeTable() store.ImportTable {
	t := store.ImportTable{Table: k.table, Key: k.key}
	for _, f := range k.fields {
		t.Columns = append(t.Columns, store.Column{Name: f.name, Type: f.typ.column()})
	}
	t.Columns = append(t.Columns, k.extra...)
	return t
}

func (t fieldType) column() store.ColumnType {
	switch t {
	case tDate:
		return store.Date
	case tBool:
		return store.Bool
	case tInt:
		return store.Int
	default:
		return store.Text
	}
}

var (
	workforceTypes = []string{"officer", "staff", "pcso", "special", "volunteer", "contractor"}
	statuses       = []string{"active", "suspended", "absent"}
	decisions      = []string{"granted", "granted_with_conditions", "refused", "withdrawn"}
	outcomes       = []string{"no_case_to_answer", "reflective_practice", "management_advice", "written_warning", "final_written_warning", "reduction_in_rank", "dismissal"}
	categories     = []string{"name", "address", "household", "relationship", "finances", "criminal", "civil", "association", "business_interest", "other"}
	assessments    = []string{"pending", "no_additional_risk", "additional_risk"}
	interestDecs   = []string{"approved", "approved_with_conditions", "refused"}
)

func personRef(cols ...string) []store.Ref {
	var refs []store.Ref
	for _, c := range cols {
		refs = append(refs, store.Ref{Column: c, Target: store.RefPerson})
	}
	return refs
}

// kinds are the eight imports of SPEC §3.
var kinds = map[string]*kind{
	"posts": {
		name: "posts", table: "posts", key: "post_id", defaultMode: "snapshot",
		fields: []field{
			{name: "post_id", required: true},
			{name: "title", required: true},
			{name: "department"},
			{name: "required_levels", typ: tLevels, required: true},
			{name: "designated", typ: tBool, def: false},
		},
		extra: []store.Column{{Name: "closed_on", Type: store.Date}},
		check: checkPost,
	},
	"people": {
		name: "people", table: "people", key: "employee_id", defaultMode: "snapshot",
		fields: []field{
			{name: "employee_id", required: true},
			{name: "given_name", required: true},
			{name: "family_name", required: true},
			{name: "email", typ: tEmail},
			{name: "slack_user_id"},
			{name: "workforce_type", typ: tEnum, values: workforceTypes, required: true},
			{name: "rank_or_grade"},
			{name: "post_id"},
			{name: "supervisor_id"},
			{name: "start_date", typ: tDate, required: true},
			{name: "end_date", typ: tDate},
			{name: "status", typ: tEnum, values: statuses, def: "active"},
			{name: "last_integrity_review_on", typ: tDate},
		},
		// A supervisor need not be in a snapshot: one it leaves out becomes
		// a leaver, and still exists (SPEC §3: references to rows that exist
		// after the import); their reviews go to the vetting unit until HR
		// names someone else (§5).
		refs:  []store.Ref{{Column: "post_id", Target: store.RefOpenPost}, {Column: "supervisor_id", Target: store.RefPersonOrStaged}},
		check: checkPerson,
	},
	"clearances": {
		name: "clearances", table: "clearances", key: "clearance_ref", defaultMode: "delta",
		fields: []field{
			{name: "clearance_ref", required: true},
			{name: "employee_id", required: true},
			{name: "level", typ: tEnum, values: Levels, required: true},
			{name: "decision", typ: tEnum, values: decisions, required: true},
			{name: "decided_on", typ: tDate, required: true},
			{name: "expires_on", typ: tDate},
			{name: "adverse_info", typ: tBool, def: false},
			{name: "mitigation_owner_id"},
			{name: "mitigation_review_months", typ: tInt},
		},
		refs:  personRef("employee_id", "mitigation_owner_id"),
		check: checkClearance,
	},
	"misconduct": {
		name: "misconduct", table: "misconduct_outcomes", key: "case_ref", defaultMode: "delta",
		fields: []field{
			{name: "case_ref", required: true},
			{name: "employee_id", required: true},
			{name: "outcome", typ: tEnum, values: outcomes, required: true},
			{name: "concluded_on", typ: tDate, required: true},
		},
		refs: personRef("employee_id"),
	},
	"circumstances": {
		name: "circumstances", table: "circumstances_reports", key: "report_ref", defaultMode: "delta",
		fields: []field{
			{name: "report_ref", required: true},
			{name: "employee_id", required: true},
			{name: "category", typ: tEnum, values: categories, required: true},
			{name: "reported_on", typ: tDate, required: true},
			{name: "assessment", typ: tEnum, values: assessments, def: "pending"},
			{name: "assessed_on", typ: tDate},
		},
		refs:  personRef("employee_id"),
		check: checkCircumstances,
		// A completed circumstances_assessment writes its outcome on the
		// report (SPEC §4): the next export, which still says pending, must
		// not undo it.
		decided: &decided{column: "assessment", undecided: "pending", with: []string{"assessed_on"}},
	},
	"adverse": {
		name: "adverse", table: "adverse_records", key: "intel_ref", defaultMode: "delta",
		fields: []field{
			{name: "intel_ref", required: true},
			{name: "employee_id", required: true},
			{name: "source", required: true},
			{name: "received_on", typ: tDate, required: true},
		},
		refs: personRef("employee_id"),
	},
	"interests": {
		name: "interests", table: "business_interests", key: "interest_ref", defaultMode: "delta",
		fields: []field{
			{name: "interest_ref", required: true},
			{name: "employee_id", required: true},
			{name: "decision", typ: tEnum, values: interestDecs, required: true},
			{name: "decided_on", typ: tDate, required: true},
			{name: "description"},
		},
		refs: personRef("employee_id"),
	},
	"associations": {
		name: "associations", table: "associations", key: "association_ref", defaultMode: "delta",
		fields: []field{
			{name: "association_ref", required: true},
			{name: "employee_id", required: true},
			{name: "declared_on", typ: tDate, required: true},
			{name: "conditions"},
		},
		refs: personRef("employee_id"),
	},
}

// Kinds lists the import kinds in the order a force loads them.
func Kinds() []string {
	return []string{"posts", "people", "clearances", "misconduct", "circumstances", "adverse", "interests", "associations"}
}

// Columns lists the columns a kind's file may carry, in SPEC order.
func Columns(kindName string) []string {
	k := kinds[kindName]
	if k == nil {
		return nil
	}
	names := make([]string, len(k.fields))
	for i, f := range k.fields {
		names[i] = f.name
	}
	return names
}

// RequiredColumns returns the columns a file of the kind must have.
func RequiredColumns(kindName string) []string {
	var names []string
	if k := kinds[kindName]; k != nil {
		for _, f := range k.fields {
			if f.required {
				names = append(names, f.name)
			}
		}
	}
	return names
}

// DefaultMode returns the mode a kind is imported in when none is given.
func DefaultMode(kindName string) string {
	if k := kinds[kindName]; k != nil {
		return k.defaultMode
	}
	return ""
}

// CheckKindMode returns an error naming what is wrong with a kind and mode
// (mode "" means the kind's default).
func CheckKindMode(kindName, mode string) error {
	k := kinds[kindName]
	if k == nil {
		return fmt.Errorf("unknown import kind %q (one of %s)", kindName, strings.Join(Kinds(), ", "))
	}
	switch mode {
	case "", "delta":
		return nil
	case "snapshot":
		if k.table == "posts" || k.table == "people" {
			return nil
		}
		// A snapshot of events would delete history that the audit trail
		// and the compliance report depend on.
		return fmt.Errorf("%s can only be imported as a delta (snapshot is for posts and people)", kindName)
	default:
		return fmt.Errorf("mode must be snapshot or delta, not %q", mode)
	}
}

// row is one parsed line: a value (or nil) per field of its kind.
type row struct {
	k    *kind
	vals []any
}

func (r row) get(name string) any {
	for i, f := range r.k.fields {
		if f.name == name {
			return r.vals[i]
		}
	}
	panic("importer: no field " + name)
}

func (r row) str(name string) string {
	s, _ := r.get(name).(string)
	return s
}

func (r row) date(name string) civil.Date {
	d, _ := r.get(name).(civil.Date)
	return d
}

func checkPost(r row, add func(column, msg string)) {
	levels := strings.Split(r.str("required_levels"), ";")
	if designated, _ := r.get("designated").(bool); designated && r.str("required_levels") != "" && !slices.Contains(levels, "MV") {
		add("designated", fmt.Sprintf("a designated post must require MV (HMICFRS Rec 13), but required_levels are %q", clip(r.str("required_levels"))))
	}
}

func checkPerson(r row, add func(column, msg string)) {
	if sup := r.str("supervisor_id"); sup != "" && sup == r.str("employee_id") {
		add("supervisor_id", fmt.Sprintf("supervisor_id %q: nobody can supervise themselves", clip(sup)))
	}
	start, end := r.date("start_date"), r.date("end_date")
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		add("end_date", fmt.Sprintf("end_date %q is before start_date %q", end, start))
	}
}

func checkClearance(r row, add func(column, msg string)) {
	if r.str("decision") == "granted_with_conditions" && r.str("mitigation_owner_id") == "" {
		add("mitigation_owner_id", "mitigation_owner_id is required when the decision is granted_with_conditions (HMICFRS Rec 3)")
	}
	if owner := r.str("mitigation_owner_id"); owner != "" && owner == r.str("employee_id") {
		add("mitigation_owner_id", fmt.Sprintf("mitigation_owner_id %q is the person the clearance is for: someone else must own the plan", owner))
	}
	decided, expires := r.date("decided_on"), r.date("expires_on")
	if !decided.IsZero() && !expires.IsZero() && !expires.After(decided) {
		add("expires_on", fmt.Sprintf("expires_on %q must be after decided_on %q", expires, decided))
	}
}

func checkCircumstances(r row, add func(column, msg string)) {
	assessment, assessed, reported := r.str("assessment"), r.date("assessed_on"), r.date("reported_on")
	switch {
	case assessment == "pending" && !assessed.IsZero():
		add("assessed_on", fmt.Sprintf("assessed_on %q is given but the assessment is pending", assessed))
	case assessment != "pending" && assessment != "" && assessed.IsZero():
		add("assessed_on", fmt.Sprintf("assessed_on is required when the assessment is %s", assessment))
	case !assessed.IsZero() && !reported.IsZero() && assessed.Before(reported):
		add("assessed_on", fmt.Sprintf("assessed_on %q is before reported_on %q", assessed, reported))
	}
}

// CheckColumnMaps checks the column mappings of every kind (the policy's
// import.columns): a kind that does not exist, or a column a kind does not
// have, is refused, so that a misspelt mapping does not go unnoticed.
func CheckColumnMaps(columns map[string]map[string]string) error {
	for _, kind := range slices.Sorted(maps.Keys(columns)) {
		if _, ok := kinds[kind]; !ok {
			return fmt.Errorf("import.columns.%s: there is no kind %q (the kinds are %s)", kind, kind, strings.Join(Kinds(), ", "))
		}
		if err := CheckColumnMap(kind, columns[kind]); err != nil {
			return err
		}
	}
	return nil
}

// CheckColumnMap refuses a column mapping that names a column the kind
// does not have, so that a typo in the policy is caught before an import.
func CheckColumnMap(kindName string, mapping map[string]string) error {
	known := Columns(kindName)
	for col := range mapping {
		if !slices.Contains(known, col) {
			return fmt.Errorf("import.columns.%s.%s: %s has no column %q (it has %s)", kindName, col, kindName, col, strings.Join(known, ", "))
		}
	}
	return nil
}
