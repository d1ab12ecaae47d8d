package notify_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"vettingd/notify"
	"vettingd/notify/notifytest"
	"vettingd/store/storetest"
)

// syncBuffer is a log destination safe for the service's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A digest build or delivery stuck on the database (here: waiting for the
// only connection, which the test holds) must not hold up a shutdown: Stop
// returns once its grace has passed, and the stuck work is cancelled.
func TestStopReturnsAfterGraceWhileADigestBuildIsStuck(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b, func(t *testing.T) {
			s := storetest.Open(t, b)
			s.DB().SetMaxOpenConns(1)
			wh := notifytest.NewWebhook(t, "whsec")
			router := webhookRouter(wh.URL)
			windows, err := notify.ParseWindows("@every 1s", time.UTC, nil)
			if err != nil {
				t.Fatal(err)
			}
			logs := &syncBuffer{}
			svc := &notify.Service{Store: s, Router: router, Dispatcher: &notify.Dispatcher{Store: s, Router: router},
				Digest: windows, Poll: 100 * time.Millisecond, Log: slog.New(slog.NewTextHandler(logs, nil))}
			ctx := context.Background()
			svc.Start(ctx)

			conn, err := s.DB().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			waits := s.DB().Stats().WaitCount
			deadline := time.Now().Add(5 * time.Second)
			for s.DB().Stats().WaitCount == waits {
				if time.Now().After(deadline) {
					t.Fatal("the digest job never ran")
				}
				time.Sleep(20 * time.Millisecond)
			}

			const grace = 300 * time.Millisecond
			start := time.Now()
			done := make(chan struct{})
			go func() { svc.Stop(grace); close(done) }()
			select {
			case <-done:
			case <-time.After(grace + 3*time.Second):
				t.Fatal("Stop did not return after its grace while a digest build was stuck")
			}
			if el := time.Since(start); el < grace {
				t.Errorf("Stop returned after %v, before its grace of %v", el, grace)
			}
			for !strings.Contains(logs.String(), "interrupted by shutdown") {
				if time.Since(start) > 5*time.Second {
					t.Fatalf("the stuck work was not cancelled; log:\n%s", logs)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
