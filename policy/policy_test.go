package policy

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestTheExampleFileIsTheDefaults(t *testing.T) {
	p, err := Load("../policy.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, Default()) {
		t.Errorf("policy.example.toml differs from the built-in defaults:\n%s\nvs\n%s", p.TOML(), Default().TOML())
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
}

func TestAFileOverridesOnlyWhatItNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.toml")
	os.WriteFile(path, []byte("[baseline]\nvolunteer = [\"NPPV2F\"]\n[random_revetting]\nannual_rate = 0.1\n"), 0o600)
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Baseline["volunteer"][0] != "NPPV2F" || p.Baseline["officer"][0] != "RV" || p.RandomRevetting.AnnualRate != 0.1 || p.RandomRevetting.DueDays != 90 {
		t.Errorf("merged policy: baseline %v, random %+v", p.Baseline, p.RandomRevetting)
	}
}

func TestBadFilesAreRefusedNamingTheKey(t *testing.T) {
	for content, want := range map[string]string{
		"[integrity_review]\nperod_months = 12\n":             "integrity_review.perod_months",
		"[integrity_review]\nperiod_months = 0\n":             "integrity_review.period_months",
		"[random_revetting]\nannual_rate = 2.0\n":             "random_revetting.annual_rate",
		"[misconduct]\ntriggering_outcomes = [\"caution\"]\n": "misconduct.triggering_outcomes",
		"[baseline]\nwizard = [\"RV\"]\n":                     "baseline.wizard",
		"[satisfaction]\nRV = [\"XX\"]\n":                     "satisfaction.RV",
		"[import]\nmax_leaver_fraction = \"lots\"\n":          "max_leaver_fraction",
		"[revetting.validity_months]\nQQ = 3\n":               "revetting.validity_months.QQ",
		"[circumstances]\npsd_categories = [\"gossip\"]\n":    "circumstances.psd_categories",
		"[vetting_review]\nadverse_days = -1\n":               "vetting_review.adverse_days",
	} {
		path := filepath.Join(t.TempDir(), "p.toml")
		os.WriteFile(path, []byte(content), 0o600)
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to name %s", content, err, want)
		}
	}
}

func TestTheSameFileAlwaysNamesTheSameSetting(t *testing.T) {
	for content, want := range map[string]string{
		"[mitigation_review]\nperiod_months = 0\n[interest_review]\nperiod_months = 0\n[association_review]\nperiod_months = 0\n": "association_review.period_months",
		"[vetting_review]\nadverse_days = -1\n[supervisor_briefing]\ndays = -1\n[circumstances]\nassessment_days = -1\n":          "circumstances.assessment_days",
		"[baseline]\nwizard = [\"RV\"]\nzealot = [\"RV\"]\naardvark = [\"RV\"]\n":                                                 "baseline.aardvark",
		"[satisfaction]\nSC = [\"XX\"]\nRV = [\"XX\"]\nMV = [\"XX\"]\n":                                                           "satisfaction.MV",
		"[import.columns.people]\ngiven_name = \" \"\nfamily_name = \" \"\n[import.columns.clearances]\nlevel = \" \"\n":          "import.columns.clearances.level",
	} {
		path := filepath.Join(t.TempDir(), "p.toml")
		os.WriteFile(path, []byte(content), 0o600)
		for range 50 { // Go starts each map iteration at a random key
			if _, err := Load(path); err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("%q: error %v, want it to name %s", content, err, want)
			}
		}
	}
}
