package synth

// buildTree gives everyone but the chief constable a supervisor,
// breadth-first: each supervisor in turn takes the next few people as
// reports. A supervisor therefore always comes before their reports, so the
// chain cannot loop and nobody supervises themselves. Spans are narrow at
// the top (the chief officer team) and five to ten below, which puts a
// force of 310,000 people about eight levels deep.
func (g *generator) buildTree() {
	n := g.cfg.People
	g.sup = make([]int32, n)
	g.depth = make([]uint8, n)
	g.height = make([]uint8, n)
	g.sup[0] = -1
	boss, left := 0, g.span(0)
	for i := 1; i < n; i++ {
		for left == 0 {
			boss++
			left = g.span(g.depth[boss])
		}
		g.sup[i], g.depth[i] = int32(boss), g.depth[boss]+1
		left--
	}
	// Reports come after their supervisor, so one pass backwards sees every
	// report's height before its supervisor's.
	for i := n - 1; i > 0; i-- {
		s := g.sup[i]
		g.height[s] = max(g.height[s], g.height[i]+1)
	}
}

// span is how many people a supervisor at this depth takes on.
func (g *generator) span(depth uint8) int {
	switch depth {
	case 0:
		return 3 + g.r.IntN(2) // deputy and assistant chief constables
	case 1:
		return 4 + g.r.IntN(3) // heads of department
	}
	return 5 + g.r.IntN(6)
}
