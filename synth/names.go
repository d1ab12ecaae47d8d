package synth

var givenNames = []string{"Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Mia", "Charlie", "Ivy", "Thomas", "Grace",
	"James", "Sophia", "William", "Emily", "Mohammed", "Freya", "Noah", "Lily", "Arthur", "Evie", "Leo", "Poppy", "Oscar", "Ella",
	"Henry", "Rosie", "Alfie", "Florence", "Joshua", "Sienna", "Daniel", "Aisha", "Ryan", "Priya", "Sean", "Niamh", "Rhys", "Seren"}

var familyNames = []string{"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
	"Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris",
	"Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Khan",
	"O'Brien", "Murphy", "MacDonald", "Singh", "Ahmed"}

var departments = []string{"Response", "Neighbourhood Policing", "CID", "Public Protection", "Counter Terrorism", "Professional Standards",
	"Vetting Unit", "Custody", "Contact Centre", "HR", "ICT", "Finance", "Roads Policing", "Firearms", "Intelligence"}

var titles = map[string][]string{
	"Response":               {"Response Constable", "Response Sergeant", "Response Inspector"},
	"Neighbourhood Policing": {"Neighbourhood Constable", "PCSO", "Neighbourhood Sergeant"},
	"CID":                    {"Detective Constable", "Detective Sergeant", "Detective Inspector"},
	"Public Protection":      {"Child Abuse Investigator", "Domestic Abuse Officer", "MAPPA Coordinator"},
	"Counter Terrorism":      {"CT Investigator", "CT Intelligence Officer", "Special Branch Officer"},
	"Professional Standards": {"PSD Investigator", "Counter-Corruption Analyst", "Head of Professional Standards"},
	"Vetting Unit":           {"Vetting Officer", "Vetting Manager", "Force Vetting Manager"},
	"Custody":                {"Custody Sergeant", "Detention Officer", "Custody Inspector"},
	"Contact Centre":         {"Call Handler", "Dispatcher", "Contact Supervisor"},
	"HR":                     {"HR Adviser", "HR Business Partner", "Recruitment Officer"},
	"ICT":                    {"Systems Administrator", "Service Desk Analyst", "Network Engineer"},
	"Finance":                {"Finance Officer", "Procurement Officer", "Payroll Officer"},
	"Roads Policing":         {"Roads Policing Constable", "Collision Investigator", "Roads Sergeant"},
	"Firearms":               {"Authorised Firearms Officer", "Firearms Sergeant", "Firearms Tactical Adviser"},
	"Intelligence":           {"Intelligence Analyst", "Intelligence Officer", "Source Handler"},
}

var postLevels = []choice{{"RV", 70}, {"RV;NPPV3", 8}, {"MV", 8}, {"MV;SC", 6}, {"RV;SC", 3}, {"NPPV3", 3}, {"MV;DV", 2}}

var workforce = []choice{{"officer", 55}, {"staff", 33}, {"pcso", 5}, {"special", 4}, {"volunteer", 2}, {"contractor", 1}}

var outcomes = []choice{{"no_case_to_answer", 25}, {"reflective_practice", 20}, {"management_advice", 20}, {"written_warning", 15},
	{"final_written_warning", 10}, {"reduction_in_rank", 5}, {"dismissal", 5}}

var categories = []string{"name", "address", "household", "relationship", "finances", "criminal", "civil", "association", "business_interest", "other"}

var interests = []string{"Private tuition", "Property letting", "Sports coaching", "Photography", "Driving instruction", "Retail shop"}
