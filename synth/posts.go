package synth

import (
	"slices"
	"strconv"
	"strings"
)

// post is what people need to know of their post.
type post struct {
	dept   int
	levels []string
}

// designatedShare is the chance that a post requiring MV is designated
// (HMICFRS Rec 13); about a sixth of posts require MV, so about one post in
// ten is designated, and a designated post requires MV by construction.
const designatedShare = 0.6

// writePosts writes the chief officers' posts (chief constable, deputy,
// assistant) and then posts of every department in proportion to its size.
func (g *generator) writePosts() {
	g.byDept = make([][2][]int32, len(departments))
	for i := range g.cfg.Posts {
		dept, lead, title, levels := g.postShape(i)
		p := post{dept: dept, levels: strings.Split(levels, ";")}
		designated := slices.Contains(p.levels, "MV") && (dept == command || g.chance(designatedShare))
		g.byDept[dept][lead] = append(g.byDept[dept][lead], int32(i))
		g.posts = append(g.posts, p)
		g.out[kPosts].row(ref("P", 5, i+1), title, departments[dept].name, levels, strconv.FormatBool(designated))
	}
}

// postShape draws a post's department, whether it leads a team (1) or not
// (0), its title and its required levels.
func (g *generator) postShape(i int) (dept, lead int, title, levels string) {
	if i < len(departments[command].lead) {
		return command, 1, departments[command].lead[i], "MV"
	}
	dept = g.weightedIndex(departmentWeights)
	d := departments[dept]
	title = g.one(d.member)
	if g.chance(0.2) {
		lead, title = 1, g.one(d.lead)
	}
	return dept, lead, title, g.weighted(d.levels)
}

// pickPost chooses person i's post: the chief officers take theirs; others
// mostly join their supervisor's department (a team works together), in a
// lead post if they supervise anyone. About 3% have no post. It returns -1
// for none.
func (g *generator) pickPost(i int) int32 {
	switch {
	case i < 2 && i < len(g.posts):
		return int32(i) // chief constable, deputy chief constable
	case g.depth[i] == 1 && len(g.posts) > 2:
		return 2 // an assistant chief constable
	case g.chance(0.03):
		return -1
	}
	lead := 0
	if g.height[i] > 0 {
		lead = 1
	}
	return g.postIn(g.teamDept(i), lead)
}

// teamDept is the department of person i's team: heads of department (depth
// 2) and some others draw one by size; the rest follow their supervisor.
func (g *generator) teamDept(i int) int {
	if g.depth[i] > 2 && !g.chance(0.15) {
		if p := g.postOf[g.sup[i]]; p >= 0 && g.posts[p].dept != command {
			return g.posts[p].dept
		}
	}
	return g.weightedIndex(departmentWeights)
}

// postIn picks a post of the department, lead or member as asked, falling
// back to the other kind and then to any post (a small force has few posts).
func (g *generator) postIn(dept, lead int) int32 {
	list := g.byDept[dept][lead]
	if len(list) == 0 {
		list = g.byDept[dept][1-lead]
	}
	if len(list) == 0 {
		return int32(g.r.IntN(len(g.posts)))
	}
	return list[g.r.IntN(len(list))]
}
