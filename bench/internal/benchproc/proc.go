// Package benchproc runs the processes a load benchmark drives (the
// simulator, the plain proxy, the facade) and measures them: it builds them
// from the module, starts each on a free loopback port, waits until it
// answers, reads its CPU time and memory from the kernel's accounting, and
// stops it. It also reads the load generator's own CPU time and fetches a
// bearer token from the Telegent simulator.
package benchproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// stopTimeout is how long Stop waits after SIGTERM before it kills the
// process. It outlasts the facade's default shutdown delay and grace period
// together (5 s + 20 s), so a facade draining calls is never cut short.
const stopTimeout = 30 * time.Second

// readyTimeout is how long WaitHTTP polls before it gives up.
const readyTimeout = time.Minute

// Proc is one process under test, started from a binary built by the
// benchmark. Its CPU time and memory are read from the kernel's accounting
// for it.
type Proc struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
}

// Start runs bin with args, and env added to this process's environment;
// its stdout and stderr go to logPath (os.DevNull to discard them). name
// identifies the process in errors.
func Start(name, bin string, args, env []string, logPath string) (*Proc, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create log of %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Proc{name: name, cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// CPU is the CPU time (user plus system, every thread) the process has
// used so far, from /proc/<pid>/stat.
func (p *Proc) CPU() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time of %s: %w", p.name, err)
	}
	// The command name (field 2) is in parentheses and may hold spaces, so
	// fields are counted from the last ')'. utime and stime are fields 14
	// and 15: the 12th and 13th after it.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("read CPU time of %s: short /proc stat line", p.name)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("read CPU time of %s: %w", p.name, err)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// RSS is the process's resident set size in bytes now, from
// /proc/<pid>/status.
func (p *Proc) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read RSS of %s: %w", p.name, err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("read RSS of %s: %w", p.name, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("read RSS of %s: no VmRSS line", p.name)
}

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM and waits for the process, killing it if it takes
// longer than its own shutdown should. A nil Proc is a no-op, so a
// benchmark can stop whatever it has started so far.
func (p *Proc) Stop() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	_ = p.log.Close()
}

// WaitHTTP polls url until it answers 200, the process exits, or a minute
// passes.
func (p *Proc) WaitHTTP(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("poll %s: %w", p.name, err)
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if p.Exited() {
			return fmt.Errorf("%s exited before it was ready (%s)", p.name, p.logHint())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s: %w", p.name, url, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// logHint says where to find the process's output.
func (p *Proc) logHint() string {
	if name := p.log.Name(); name != os.DevNull {
		return "see " + name
	}
	return "see its log with -keep-logs"
}

// FreePort asks the kernel for a free loopback address. The port is
// released before the process under test binds it; on a quiet machine
// nothing else takes it in between.
func FreePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// SelfCPU is the CPU time (user plus system) of this process: the load
// generator.
func SelfCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("read own CPU time: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// ModuleRoot is the folder of the go.mod the benchmark runs in: the
// processes under test are built from it.
func ModuleRoot(ctx context.Context) (string, error) {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(gomod))
	if err != nil || mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run the benchmark inside the module (go env GOMOD: %v)", err)
	}
	return filepath.Dir(mod), nil
}

// Build runs go build -o out on pkgs in the module at root; out is a binary
// for one package, or a folder ending in a separator for several. The
// compiler's output goes to stderr.
func Build(ctx context.Context, root, out string, pkgs ...string) error {
	return BuildWith(ctx, root, out, nil, pkgs...)
}

// BuildWith is Build with more go build flags, e.g. -pgo=off.
func BuildWith(ctx context.Context, root, out string, flags []string, pkgs ...string) error {
	args := append(append([]string{"build", "-o", out}, flags...), pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s: %w", strings.Join(pkgs, " "), err)
	}
	return nil
}
