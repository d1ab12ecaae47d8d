package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vettingd/civil"
	"vettingd/policy"
	"vettingd/scheduler"
	"vettingd/server"
	"vettingd/store"
)

// api is the real HTTP handler of `vettingd serve`, on loopback.
type api struct {
	srv    *httptest.Server
	client *http.Client
}

func newAPI(s *store.Store, workers int) *api {
	p := policy.Default()
	h := server.New(server.Options{API: &server.API{Store: s, Planner: &scheduler.Planner{Store: s, Policy: p}, Policy: p,
		Today: func() civil.Date { return asOf }, Log: slog.New(slog.DiscardHandler), BaseURL: "http://127.0.0.1"}})
	srv := httptest.NewServer(h)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = workers
	return &api{srv: srv, client: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

func (a *api) close() { a.srv.Close() }

// post sends a JSON body with a bearer token and decodes the answer into out.
func (a *api) post(token, path string, body any, out any) (int, error) {
	buf, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, a.srv.URL+path, bytes.NewReader(buf))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s: %d %s", path, resp.StatusCode, bytes.TrimSpace(raw))
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(raw, out)
	}
	return resp.StatusCode, nil
}

func token(b *testing.B, s *store.Store, role string) string {
	b.Helper()
	tok, _, err := s.CreateToken(context.Background(), "bench "+role, role, "", "bench")
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

// latencies are the times of a run of requests.
type latencies []time.Duration

// quantile returns the q-quantile (nearest rank).
func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))+0.5))]
}

// eventRun is what the event POSTs measured.
type eventRun struct {
	lat      latencies
	complete int // answers that planned a review and owed its notification
}

// postEvents records a change of circumstances for each person, one POST
// after another, as PSD would: each answer comes back once the report is
// stored, its review planned and the review's notification in the outbox.
func postEvents(b *testing.B, a *api, tok string, ids []string) eventRun {
	b.Helper()
	var run eventRun
	for i, id := range ids {
		var res struct {
			Created int `json:"created"`
			Planned struct {
				Created       int `json:"created"`
				Notifications int `json:"notifications"`
			} `json:"planned"`
		}
		rec := map[string]any{"report_ref": fmt.Sprintf("BENCH-EV%06d", i), "employee_id": id, "category": "association", "reported_on": asOfText}
		start := time.Now()
		if _, err := a.post(tok, "/api/v1/circumstances", rec, &res); err != nil {
			b.Fatal(err)
		}
		run.lat = append(run.lat, time.Since(start))
		if res.Created == 1 && res.Planned.Created > 0 && res.Planned.Notifications > 0 {
			run.complete++
		}
	}
	return run
}

// ackRun is what the acknowledge load measured.
type ackRun struct {
	lat     latencies
	wall    time.Duration
	workers int
	errors  int
}

// acknowledge acknowledges each review once, workers at a time, as the
// vetting unit would from the API.
func acknowledge(b *testing.B, a *api, tok, by string, ids []int64, workers int) ackRun {
	b.Helper()
	var next atomic.Int64
	var mu sync.Mutex
	run := ackRun{workers: workers}
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine latencies
			errs := 0
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ids) {
					break
				}
				t := time.Now()
				if _, err := a.post(tok, fmt.Sprintf("/api/v1/reviews/%d/acknowledge", ids[i]), map[string]string{"by": by}, nil); err != nil {
					errs++
					if errs == 1 {
						b.Logf("acknowledge: %v", err)
					}
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			run.lat, run.errors = append(run.lat, mine...), run.errors+errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	run.wall = time.Since(start)
	return run
}
