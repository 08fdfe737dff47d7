package main

import (
	"bytes"
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestHelpNeverPrintsEnvironmentValues(t *testing.T) {
	t.Parallel()
	values := map[string]string{
		"TELEGENT_ACCOUNT_KEY": "DID-key-from-env-7731", "TELEGENT_ACCOUNT_SECRET": "secret-from-env-9917",
		"GRPC_ADDR": "127.0.0.1:4242", "OTEL_EXPORTER_OTLP_ENDPOINT": "collector-from-env:4317",
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, env(values), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	out := stdout.String() + stderr.String()
	for _, v := range values {
		if strings.Contains(out, v) {
			t.Errorf("--help prints an environment value %q:\n%s", v, out)
		}
	}
	for _, want := range []string{"GRPC_ADDR", "--max-concurrent-streams", "MAX_CONCURRENT_STREAMS", "--max-connection-age", "MAX_CONNECTION_AGE", "--version", ":9090", "5m0s"} {
		if !strings.Contains(out, strings.TrimPrefix(want, "-")) {
			t.Errorf("--help does not mention %s", want)
		}
	}
}

func TestBadFlagValueIsOneShortError(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	// Port 0: the addresses are not checked by binding, so the default
	// ports may be in use by another facade on this machine.
	args := []string{"--dev", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--max-upstream", "many", "--shutdown-grace", "soon"}
	code := run(context.Background(), args, env(nil), &stdout, &stderr)
	if code != exitConfig {
		t.Fatalf("exit %d, want %d", code, exitConfig)
	}
	out := stderr.String()
	if strings.Contains(out, "Usage") || strings.Count(out, "--max-upstream") != 1 || !strings.Contains(out, "--shutdown-grace") {
		t.Errorf("want each bad value reported once, no usage:\n%s", out)
	}
	if lines := strings.Count(out, "\n"); lines > 4 {
		t.Errorf("%d lines of error, want a short one:\n%s", lines, out)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--version"}, env(nil), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, want 0; stderr: %s", code, stderr.String())
	}
	if out := stdout.String(); !strings.HasPrefix(out, "telegent-facade ") || !strings.Contains(out, runtime.Version()) || !strings.Contains(out, "revision") {
		t.Errorf("--version printed %q", out)
	}
}

// Ports in use are start-up problems like any other: all of them reported,
// plainly, exit 2.
func TestPortsInUseAreReportedTogether(t *testing.T) {
	t.Parallel()
	var held []net.Listener
	for range 2 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = l.Close() })
		held = append(held, l)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"--dev", "--grpc-addr", held[0].Addr().String(), "--http-addr", held[1].Addr().String()}
	code := run(context.Background(), args, env(nil), &stdout, &stderr)
	if code != exitConfig {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitConfig, stderr.String())
	}
	out := stderr.String()
	for _, want := range []string{"cannot start", "--grpc-addr " + held[0].Addr().String(), "--http-addr " + held[1].Addr().String(), "address already in use"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr does not mention %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, "{") && strings.Contains(line, "cannot start") {
			t.Errorf("start-up failure logged as JSON, want plain text: %s", line)
		}
	}
}

// A port in use is reported with the configuration's other problems.
func TestPortInUseReportedWithConfigurationProblems(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--grpc-addr", l.Addr().String(), "--http-addr", "127.0.0.1:0", "--max-upstream", "0"}, env(nil), &stdout, &stderr)
	if code != exitConfig {
		t.Fatalf("exit %d, want %d", code, exitConfig)
	}
	for _, want := range []string{"--max-upstream", "--telegent-account-key", "--grpc-addr " + l.Addr().String(), "address already in use"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not mention %q:\n%s", want, stderr.String())
		}
	}
}
