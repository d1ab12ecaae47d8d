package server

import (
	"context"
	"maps"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"vettingd/civil"
	"vettingd/scheduler"
	"vettingd/store"
)

// snapshotTimeout bounds the database reads of one scrape. Prometheus gives
// a collector no context, and a scrape that hangs on a locked database
// would otherwise pile up behind the next.
const snapshotTimeout = 10 * time.Second

// The label values that always have a series, so that a count which falls
// to nothing reads 0 instead of vanishing (an absent series silences an
// alert rule). They are what the schema allows.
var (
	allStatuses     = []string{"open", "acknowledged", "completed", "cancelled"}
	channels        = []string{"slack", "email", "webhook", "log"}
	messageStatuses = []string{"pending", "sent", "failed", "withdrawn"}
)

var (
	reviewsDesc = prometheus.NewDesc("vettingd_reviews",
		"Reviews by kind and status.", []string{"kind", "status"}, nil)
	overdueDesc = prometheus.NewDesc("vettingd_reviews_overdue",
		"Open or acknowledged reviews due before today, by kind.", []string{"kind"}, nil)
	messagesDesc = prometheus.NewDesc("vettingd_outbox_messages",
		"Outbox messages by channel and status, as the database holds them (every daemon's, since the first).",
		[]string{"channel", "status"}, nil)
	pendingDesc = prometheus.NewDesc("vettingd_outbox_pending",
		"Outbox messages waiting for delivery.", nil, nil)
	oldestDesc = prometheus.NewDesc("vettingd_outbox_oldest_pending_age_seconds",
		"Age of the oldest message waiting for delivery; 0 when none waits.", nil, nil)
	waitingDesc = prometheus.NewDesc("vettingd_outbox_items_waiting",
		"Outbox items not yet gathered into a message.", nil, nil)
)

// durationBuckets run from 0.1 s to about 3.5 minutes: a small force plans
// in a fraction of a second, a national one takes minutes.
var durationBuckets = prometheus.ExponentialBuckets(0.1, 2, 12)

// Metrics is vettingd's Prometheus registry: the state of reviews and of the
// outbox, read from the database at each scrape, the durations of planning
// and import runs, and the Go runtime and process metrics. It uses its own
// registry, not the global one, so that two in one process do not collide.
type Metrics struct {
	reg     *prometheus.Registry
	plan    prometheus.Histogram
	imports *prometheus.HistogramVec
}

// NewMetrics returns the metrics of the daemon working on s; today gives
// the date against which reviews are overdue.
func NewMetrics(s *store.Store, today func() civil.Date) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		plan: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vettingd_planner_duration_seconds",
			Help: "Time taken by a planning run.", Buckets: durationBuckets}),
		imports: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vettingd_import_duration_seconds",
			Help: "Time taken by an import, by kind of file.", Buckets: durationBuckets}, []string{"kind"}),
	}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&storeCollector{store: s, today: today, now: time.Now}, m.plan, m.imports)
	return m
}

// Leader exports vettingd_leader: 1 while isLeader says this daemon leads
// (plans and builds digests), else 0. Across the daemons sharing one
// database the gauges sum to 1, but briefly while the lead changes hands.
func (m *Metrics) Leader(isLeader func() bool) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vettingd_leader",
		Help: "1 while this daemon is the leader (plans and builds digests), else 0."}, func() float64 {
		if isLeader() {
			return 1
		}
		return 0
	}))
}

// ObservePlan records how long a planning run took.
func (m *Metrics) ObservePlan(d time.Duration) { m.plan.Observe(d.Seconds()) }

// ObserveImport records how long an import of a kind of file (people,
// clearances…) took.
func (m *Metrics) ObserveImport(kind string, d time.Duration) {
	m.imports.WithLabelValues(kind).Observe(d.Seconds())
}

// Handler serves the metrics in Prometheus's text format. When the
// database cannot be read it answers 500 with the error, so that the
// scrape fails (up is 0) rather than showing stale or missing counts as
// healthy.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:            m.reg, // counts its own errors: promhttp_metric_handler_errors_total
		MaxRequestsInFlight: 4,     // each scrape reads the database: a flood of them must not stall it
	})
}

// storeCollector turns a store.MetricsSnapshot into gauges at scrape time.
type storeCollector struct {
	store *store.Store
	today func() civil.Date
	now   func() time.Time
}

// Describe sends the descriptors of every gauge the collector emits.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{reviewsDesc, overdueDesc, messagesDesc, pendingDesc, oldestDesc, waitingDesc} {
		ch <- d
	}
}

// Collect reads the snapshot and sends the gauges; on a database error it
// sends an invalid metric, which fails the scrape with the error.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), snapshotTimeout)
	defer cancel()
	snap, err := c.store.MetricsSnapshot(ctx, c.today())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(reviewsDesc, err)
		return
	}
	collectReviews(ch, snap)
	collectOutbox(ch, snap, c.now())
}

func collectReviews(ch chan<- prometheus.Metric, snap store.MetricsSnapshot) {
	counts := zeros(scheduler.Kinds, allStatuses)
	for _, r := range snap.Reviews {
		counts[[2]string{r.Kind, r.Status}] = r.N
	}
	gauges(ch, reviewsDesc, counts)
	overdue := make(map[string]int, len(scheduler.Kinds))
	for _, kind := range scheduler.Kinds {
		overdue[kind] = 0
	}
	maps.Copy(overdue, snap.Overdue)
	for kind, n := range overdue {
		ch <- prometheus.MustNewConstMetric(overdueDesc, prometheus.GaugeValue, float64(n), kind)
	}
}

func collectOutbox(ch chan<- prometheus.Metric, snap store.MetricsSnapshot, now time.Time) {
	counts := zeros(channels, messageStatuses)
	for _, m := range snap.Messages {
		counts[[2]string{m.Channel, m.Status}] = m.N
	}
	gauges(ch, messagesDesc, counts)
	age := 0.0
	if snap.OldestPending != nil {
		age = max(now.Sub(*snap.OldestPending).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(snap.PendingMessages()))
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(waitingDesc, prometheus.GaugeValue, float64(snap.ItemsWaiting))
}

// zeros returns a count of 0 for every pair of label values.
func zeros(first, second []string) map[[2]string]int {
	m := make(map[[2]string]int, len(first)*len(second))
	for _, a := range first {
		for _, b := range second {
			m[[2]string{a, b}] = 0
		}
	}
	return m
}

// gauges sends one gauge per pair of label values.
func gauges(ch chan<- prometheus.Metric, desc *prometheus.Desc, counts map[[2]string]int) {
	for labels, n := range counts {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(n), labels[0], labels[1])
	}
}
