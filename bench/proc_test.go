package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// buildBinary builds cmd/vettingd into dir, as `make build` would.
func buildBinary(b *testing.B, dir string) string {
	b.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(dir, "vettingd")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/vettingd")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v: %s", err, out)
	}
	return bin
}

// procStatusKB reads a "kB" field of /proc/PID/status: VmHWM (peak resident
// set) or VmRSS (resident set now).
func procStatusKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// userHZ is the unit of the CPU times in /proc/PID/stat: USER_HZ, which
// Linux fixes at 100 on every architecture it runs on.
const userHZ = 100

// procCPU returns the CPU time (user and system, all threads) process pid
// has used so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %q %q", pid, fields[11], fields[12])
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

// loadavg is the machine's load (1, 5 and 15 minutes), for reading the
// figures beside: other work on the machine slows every one of them.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// imported is one run of `vettingd import`: how long until its report,
// how many rows, and the process's peak resident set by then.
type imported struct {
	took time.Duration
	rows int
	peak int64 // bytes
}

// importBinary runs `vettingd import KIND FILE` against dbURL and stops it
// once it has printed its report, that is once the import has committed:
// the command then goes on to plan the people the import concerns, which
// the benchmark times on its own. The peak resident set (VmHWM) is read at
// that moment, so it is the import's.
func importBinary(b *testing.B, bin, dbURL, kind, file string) imported {
	b.Helper()
	cmd := exec.Command(bin, "import", kind, file, "--as-of", asOfText, "--format", "text")
	cmd.Env = append(os.Environ(), "VETTINGD_DATABASE_URL="+dbURL, "VETTINGD_LOG_LEVEL=error")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var res imported
	found := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "rows ") {
			continue
		}
		res.took = time.Since(start)
		kb, err := procStatusKB(cmd.Process.Pid, "VmHWM")
		if err != nil {
			b.Fatal(err)
		}
		res.peak = kb << 10
		_ = cmd.Process.Signal(os.Interrupt) // its planning is not part of the import
		_, _ = fmt.Sscanf(line, "rows %d:", &res.rows)
		found = true
		break
	}
	_, _ = io.Copy(io.Discard, out)
	err = cmd.Wait()
	if !found {
		b.Fatalf("vettingd import %s: %v: %s", kind, err, stderr.String())
	}
	return res
}
