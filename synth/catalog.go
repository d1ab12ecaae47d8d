package synth

// choice is a value and its weight in a weighted draw.
type choice struct {
	v string
	w int
}

// department is one part of the force: how many of its people it has
// (weight), the titles of its posts and the vetting its posts require.
type department struct {
	name   string
	weight int // share of the force's people and posts; 0: only the chief officers
	lead   []string
	member []string
	levels []choice // a post's required_levels
}

// command is the index in departments of the chief officer team, whose
// three posts are made by hand (see writePosts).
const command = 0

// departments are the parts of a mid-sized English force. Levels follow
// practice: most posts need only RV, posts with sensitive access NPPV3 or
// MV, counter terrorism and some intelligence and ICT posts national
// security vetting on top of MV.
var departments = []department{
	{"Command", 0, []string{"Chief Constable", "Deputy Chief Constable", "Assistant Chief Constable"}, nil, []choice{{"MV", 1}}},
	{"Response", 24, []string{"Response Sergeant", "Response Inspector", "Duty Inspector"},
		[]string{"Response Constable", "Response Driver", "Shift Administrator"}, []choice{{"RV", 91}, {"NPPV3", 5}, {"MV", 4}}},
	{"Neighbourhood Policing", 16, []string{"Neighbourhood Sergeant", "Neighbourhood Inspector"},
		[]string{"Neighbourhood Constable", "Neighbourhood PCSO", "Special Constable", "Community Volunteer"}, []choice{{"RV", 92}, {"NPPV3", 5}, {"MV", 3}}},
	{"CID", 10, []string{"Detective Sergeant", "Detective Inspector", "Senior Investigating Officer"},
		[]string{"Detective Constable", "Investigator", "Case Officer"}, []choice{{"RV", 65}, {"NPPV3", 20}, {"MV", 15}}},
	{"Public Protection", 7, []string{"Safeguarding Sergeant", "Public Protection Inspector"},
		[]string{"Child Abuse Investigator", "Domestic Abuse Officer", "MAPPA Coordinator", "Sex Offender Manager"}, []choice{{"RV", 45}, {"NPPV3", 30}, {"MV", 25}}},
	{"Counter Terrorism", 2, []string{"CT Detective Sergeant", "CT Detective Inspector"},
		[]string{"CT Investigator", "CT Intelligence Officer", "Special Branch Officer", "Ports Officer"}, []choice{{"MV;SC", 60}, {"MV;DV", 30}, {"MV;CTC", 8}, {"MV;EDV", 2}}},
	{"Professional Standards", 2, []string{"PSD Sergeant", "Head of Professional Standards"},
		[]string{"PSD Investigator", "Counter-Corruption Analyst", "Counter-Corruption Investigator"}, []choice{{"MV", 75}, {"MV;SC", 25}}},
	{"Vetting Unit", 1, []string{"Force Vetting Manager", "Vetting Team Leader"},
		[]string{"Vetting Officer", "Vetting Researcher"}, []choice{{"MV", 70}, {"MV;SC", 30}}},
	{"Custody", 5, []string{"Custody Sergeant", "Custody Inspector"},
		[]string{"Detention Officer", "Custody Nurse"}, []choice{{"RV", 95}, {"NPPV3", 5}}},
	{"Contact Centre", 9, []string{"Contact Supervisor", "Control Room Inspector"},
		[]string{"Call Handler", "Dispatcher", "Front Counter Officer"}, []choice{{"RV", 90}, {"NPPV3", 10}}},
	{"HR", 3, []string{"HR Business Partner", "HR Manager"},
		[]string{"HR Adviser", "Recruitment Officer", "Occupational Health Nurse"}, []choice{{"RV", 85}, {"NPPV3", 10}, {"MV", 5}}},
	{"ICT", 3, []string{"ICT Service Manager", "Head of Infrastructure"},
		[]string{"Systems Administrator", "Service Desk Analyst", "Network Engineer", "Software Developer"}, []choice{{"NPPV3", 50}, {"RV", 40}, {"MV;SC", 10}}},
	{"Finance", 2, []string{"Finance Manager", "Head of Procurement"},
		[]string{"Finance Officer", "Procurement Officer", "Payroll Officer"}, []choice{{"RV", 90}, {"NPPV3", 10}}},
	{"Roads Policing", 4, []string{"Roads Policing Sergeant", "Roads Policing Inspector"},
		[]string{"Roads Policing Constable", "Collision Investigator", "Motorcycle Officer"}, []choice{{"RV", 92}, {"NPPV3", 8}}},
	{"Firearms", 3, []string{"Firearms Sergeant", "Firearms Tactical Adviser"},
		[]string{"Authorised Firearms Officer", "Armourer", "Firearms Instructor"}, []choice{{"RV", 50}, {"MV", 40}, {"MV;SC", 10}}},
	{"Intelligence", 4, []string{"Intelligence Manager", "Source Unit Inspector"},
		[]string{"Intelligence Analyst", "Intelligence Officer", "Source Handler", "Researcher"}, []choice{{"NPPV3", 35}, {"MV", 45}, {"MV;SC", 15}, {"MV;DV", 5}}},
}

// departmentWeights draws a department index by its share of the force.
var departmentWeights = func() []choice {
	c := make([]choice, len(departments))
	for i, d := range departments {
		c[i] = choice{d.name, d.weight}
	}
	return c
}()

// Workforce mixes. Supervisors are officers or police staff; the mix of
// everyone else is set so that the whole force comes out at about 55%
// officers, 33% staff, 5% PCSOs, 4% specials, 2% volunteers, 1% contractors.
var (
	managerMix = []choice{{"officer", 72}, {"staff", 28}}
	leafMix    = []choice{{"officer", 522}, {"staff", 338}, {"pcso", 58}, {"special", 47}, {"volunteer", 23}, {"contractor", 12}}
)

// officerRanks are named by height in the tree: a constable supervises
// nobody, a sergeant constables, an inspector sergeants, and so on.
var officerRanks = []string{"Constable", "Sergeant", "Inspector", "Chief Inspector", "Superintendent", "Chief Superintendent"}

var statuses = []choice{{"active", 95}, {"suspended", 2}, {"absent", 3}}

var givenNames = []string{"Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Mia", "Charlie", "Ivy", "Thomas", "Grace",
	"James", "Sophia", "William", "Emily", "Mohammed", "Freya", "Noah", "Lily", "Arthur", "Evie", "Leo", "Poppy", "Oscar", "Ella",
	"Henry", "Rosie", "Alfie", "Florence", "Joshua", "Sienna", "Daniel", "Aisha", "Ryan", "Priya", "Sean", "Niamh", "Rhys", "Seren",
	"David", "Sarah", "Paul", "Claire", "Mark", "Helen", "Andrew", "Rachel", "Stephen", "Joanne", "Gareth", "Kirsty", "Imran", "Fatima",
	"Callum", "Eilidh", "Kwame", "Abena", "Tomasz", "Zofia"}

var familyNames = []string{"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
	"Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris",
	"Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Khan",
	"O'Brien", "Murphy", "MacDonald", "Singh", "Ahmed", "Begum", "Hussain", "Kaur", "Shah", "Campbell", "Stewart", "Reid",
	"Kelly", "Owen", "Price", "Lloyd", "Mensah", "Okafor", "Nowak", "Kowalski", "Baker", "Young", "Allen", "King", "Scott"}

var outcomes = []choice{{"no_case_to_answer", 25}, {"reflective_practice", 22}, {"management_advice", 20}, {"written_warning", 15},
	{"final_written_warning", 10}, {"reduction_in_rank", 6}, {"dismissal", 2}}

var categories = []choice{{"name", 5}, {"address", 25}, {"household", 10}, {"relationship", 20}, {"finances", 12},
	{"criminal", 5}, {"civil", 3}, {"association", 8}, {"business_interest", 7}, {"other", 5}}

var assessments = []choice{{"pending", 30}, {"no_additional_risk", 55}, {"additional_risk", 15}}

var adverseSources = []choice{{"pnd", 35}, {"ict_monitoring", 25}, {"intelligence", 25}, {"complaint", 15}}

var interestDecisions = []choice{{"approved", 65}, {"approved_with_conditions", 20}, {"refused", 15}}

var interestDescriptions = []string{"Private tuition", "Property letting", "Sports coaching", "Wedding photography",
	"Driving instruction", "Family retail business", "Security consultancy", "Personal training", "Dog grooming", "Taxi driving"}

var associationConditions = []string{"No contact while on duty", "Declare any change at once",
	"No access to the person's records", "No discussion of police business"}
