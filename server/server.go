// Package server is vettingd's HTTP face: health and readiness, Slack's
// button clicks, and the API and web pages as they arrive. It calls the scheduler and the store; it
// holds no rules of its own.
package server

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"time"
)

// Checks answer readiness: each returns nil when its part is healthy.
type Checks map[string]func(ctx context.Context) error

// Options are the parts the routes need; a nil part leaves its routes out.
type Options struct {
	Ready Checks
	Slack *SlackActions // POST /slack/interactions
	API   *API          // /api/v1/
	// Metrics serves GET /metrics (no token: keep the port on the force's network).
	Metrics *Metrics
	// Facts are shown by /readyz beside the checks without deciding
	// readiness (this daemon's role: leader or follower).
	Facts map[string]func() string
}

// New returns the handler for every route.
func New(o Options) http.Handler {
	ready := o.Ready
	mux := http.NewServeMux()
	if o.Slack != nil {
		mux.Handle("POST /slack/interactions", http.MaxBytesHandler(o.Slack, 1<<20))
	} else {
		mux.HandleFunc("POST /slack/interactions", func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, http.StatusNotFound, "Slack is not set up on this server")
		})
	}
	if o.API != nil {
		o.API.routes(mux)
	}
	if o.Metrics != nil {
		mux.Handle("GET /metrics", o.Metrics.Handler())
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		status, body := http.StatusOK, map[string]string{}
		for name, fact := range o.Facts {
			body[name] = fact()
		}
		for name, check := range ready {
			if err := check(ctx); err != nil {
				status, body[name] = http.StatusServiceUnavailable, err.Error()
			} else {
				body[name] = "ok"
			}
		}
		writeJSON(w, status, body)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Serve runs an http.Server on ln with sensible timeouts until ctx ends,
// then shuts it down gracefully.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, ready func(addr string)) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		return srv.Shutdown(shut)
	}
}
