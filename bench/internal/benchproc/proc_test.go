package benchproc

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/platform/telegent-facade/telegentsim"
)

// shell is a process that lives until it is stopped, with a command name
// holding a space and a parenthesis, as /proc/<pid>/stat must cope with.
func shell(t *testing.T, script string) *Proc {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir() + "/odd (name) sh"
	if err := os.Symlink(sh, bin); err != nil {
		t.Fatal(err)
	}
	p, err := Start("shell", bin, []string{"-c", script}, []string{"BENCHPROC_TEST=1"}, os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

func TestProcMeasuresAndStops(t *testing.T) {
	p := shell(t, "while :; do :; done")
	if p.Exited() {
		t.Fatal("Exited right after Start")
	}
	if _, err := p.CPU(); err != nil {
		t.Fatalf("CPU: %v", err)
	}
	rss, err := p.RSS()
	if err != nil || rss <= 0 {
		t.Fatalf("RSS = %d, %v; want a positive size", rss, err)
	}
	p.Stop()
	if !p.Exited() {
		t.Fatal("not Exited after Stop")
	}
	if _, err := p.CPU(); err == nil {
		t.Fatal("CPU of an ended process: no error")
	}
	var nilProc *Proc
	nilProc.Stop()
}

func TestWaitHTTPReportsExit(t *testing.T) {
	p := shell(t, "exit 3")
	addr, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	err = p.WaitHTTP(context.Background(), "http://"+addr+"/healthz")
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") || !strings.Contains(err.Error(), "-keep-logs") {
		t.Fatalf("WaitHTTP = %v; want the exit reported with a hint to the log", err)
	}
}

func TestWaitHTTPReady(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	p := shell(t, "exec sleep 600")
	if err := p.WaitHTTP(context.Background(), srv.URL); err != nil {
		t.Fatalf("WaitHTTP: %v", err)
	}
}

func TestFreePortIsBindable(t *testing.T) {
	addr, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	_ = l.Close()
}

func TestSelfCPU(t *testing.T) {
	d, err := SelfCPU()
	if err != nil || d <= 0 {
		t.Fatalf("SelfCPU = %v, %v; want a positive time", d, err)
	}
}

func TestToken(t *testing.T) {
	srv := httptest.NewServer(telegentsim.New(telegentsim.Config{}))
	defer srv.Close()
	tok, err := Token(context.Background(), srv.Client(), srv.URL)
	if err != nil || tok == "" {
		t.Fatalf("Token = %q, %v; want a token", tok, err)
	}

	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer refusing.Close()
	if _, err := Token(context.Background(), refusing.Client(), refusing.URL); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("Token from a refusing server = %v; want HTTP 401", err)
	}
}
