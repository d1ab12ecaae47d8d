package bench

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// idleServe is what an idle `vettingd serve` measured.
type idleServe struct {
	rss, peak int64         // bytes: resident once settled, and the peak of its start
	cpu       time.Duration // CPU used over window while idle
	window    time.Duration
	start     time.Duration // from exec to ready (the start includes a plan)
}

// serveIdle starts the real binary's serve on loopback, waits until it
// listens and then until /readyz answers 200 (its start plans everyone and
// delivers what is owed; it serves HTTP meanwhile), lets it settle, then reads its resident set and the CPU it uses over
// window with nothing to do: a daemon that polls busily shows here.
func serveIdle(b *testing.B, bin, dbURL string, settle, window time.Duration) idleServe {
	b.Helper()
	cmd := exec.Command(bin, "serve", "--as-of", asOfText)
	cmd.Env = append(os.Environ(), "VETTINGD_DATABASE_URL="+dbURL, "VETTINGD_LISTEN=127.0.0.1:0", "VETTINGD_LOG_FORMAT=text")
	cmd.Stdout = io.Discard
	errs, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(errs)
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "Listening") {
				if _, a, ok := strings.Cut(line, "addr="); ok {
					addr <- strings.Fields(a)[0]
				}
			}
		}
		close(addr)
	}()
	var at string
	select {
	case a, ok := <-addr:
		if !ok {
			b.Fatalf("vettingd serve stopped before listening")
		}
		at = a
	case <-time.After(20 * time.Minute):
		b.Fatalf("vettingd serve did not listen within 20 minutes")
	}
	for deadline := time.Now().Add(20 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + at + "/readyz")
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("vettingd serve was not ready within 20 minutes: /readyz answered %d", resp.StatusCode)
		}
	}
	res := idleServe{start: time.Since(began), window: window}
	time.Sleep(settle)
	pid := cmd.Process.Pid
	cpu0, err := procCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	time.Sleep(window)
	cpu1, err := procCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	res.cpu = cpu1 - cpu0
	rss, err1 := procStatusKB(pid, "VmRSS")
	peak, err2 := procStatusKB(pid, "VmHWM")
	if err1 != nil || err2 != nil {
		b.Fatal(err1, err2)
	}
	res.rss, res.peak = rss<<10, peak<<10
	return res
}
