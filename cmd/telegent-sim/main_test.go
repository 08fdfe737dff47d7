package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/platform/telegent-facade/telegentsim"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// logSink collects the JSON log lines run writes and hands out the first one.
type logSink struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first chan string
	once  sync.Once
}

func newLogSink() *logSink { return &logSink{first: make(chan string, 1)} }

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.buf.Write(p)
	if line, _, ok := strings.Cut(s.buf.String(), "\n"); ok {
		s.once.Do(func() { s.first <- line })
	}
	return n, err
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// startRun runs the binary's run in-process on a free loopback port and returns its
// base URL, the log sink and a stop function that cancels and returns run's error.
func startRun(t *testing.T, args []string, environ map[string]string) (string, *logSink, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := newLogSink()
	var stderr bytes.Buffer
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), env(environ), logs, &stderr)
	}()
	var line string
	select {
	case line = <-logs.first:
	case err := <-errc:
		cancel()
		t.Fatalf("run returned before listening: %v; stderr: %s", err, stderr.String())
	}
	var start struct {
		Level, Msg, Addr string
	}
	if err := json.Unmarshal([]byte(line), &start); err != nil || start.Addr == "" || start.Level != "INFO" {
		cancel()
		<-errc
		t.Fatalf("first log line %q: want JSON with addr (%v)", line, err)
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-errc
	}
	t.Cleanup(func() { _ = stop() })
	return "http://" + start.Addr, logs, stop
}

func TestRunServesAndStopsCleanly(t *testing.T) {
	base, logs, stop := startRun(t, nil, nil)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	resp, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Fatalf("healthz: %d %q", resp.StatusCode, body)
	}

	// The default credentials work end to end over the real listener.
	tok := postJSON(t, client, base+telegentsim.TokenPath, map[string]string{
		"AccountKey": "DID-sim-key", "AccountSecret": "sim-secret", "ApiEndpoint": base + telegentsim.CreatePath,
	}, "", 200)
	postJSON(t, client, base+telegentsim.CreatePath, map[string]string{
		"AccountId": "AID-1234567", "WebhookUrl": "https://h.example/x",
	}, tok["token"].(string), 200)

	client.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatalf("run returned %v, want nil", err)
	}
	out := logs.String()
	for _, want := range []string{`"msg":"telegent-sim shutting down"`, `"msg":"telegent-sim stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "sim-secret") || strings.Contains(out, tok["token"].(string)) {
		t.Errorf("logs contain a secret:\n%s", out)
	}
}

func postJSON(t *testing.T, c *http.Client, url string, body any, token string, want int) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want || json.Unmarshal(raw, &m) != nil {
		t.Fatalf("POST %s: %d %s, want %d", url, resp.StatusCode, raw, want)
	}
	return m
}

// TestRunConfigReachesSimulator checks flags and environment end to end: the secret
// from a file, the key from the environment, the default fault and the zone.
func TestRunConfigReachesSimulator(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _, stop := startRun(t,
		[]string{"--account-secret-file", secretFile, "--fault", "status:503;once", "--expiry-zone", "Asia/Tokyo", "--public-base-url", "https://api.telegent.com"},
		map[string]string{"TELEGENT_SIM_ACCOUNT_KEY": "DID-from-env", "TELEGENT_SIM_FAULT": "status:500"})
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	postJSON(t, client, base+telegentsim.TokenPath, map[string]string{
		"AccountKey": "DID-sim-key", "AccountSecret": "from-file", "ApiEndpoint": "x",
	}, "", 401)
	tok := postJSON(t, client, base+telegentsim.TokenPath, map[string]string{
		"AccountKey": "DID-from-env", "AccountSecret": "from-file", "ApiEndpoint": "https://api.telegent.com" + telegentsim.CreatePath,
	}, "", 200)
	expiry, err := time.ParseInLocation(telegentsim.ExpiryLayout, tok["tokenExpiry"].(string), time.FixedZone("JST", 9*3600))
	if err != nil || time.Until(expiry) < 4*time.Minute || time.Until(expiry) > 6*time.Minute {
		t.Errorf("tokenExpiry %v is not now+5m in Asia/Tokyo (%v)", tok["tokenExpiry"], err)
	}
	body := map[string]string{"AccountId": "AID-1234567", "WebhookUrl": "https://h.example/x"}
	postJSON(t, client, base+telegentsim.CreatePath, body, tok["token"].(string), 503) // the flag beat the env
	postJSON(t, client, base+telegentsim.CreatePath, body, tok["token"].(string), 200) // once

	client.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatalf("run returned %v", err)
	}
}

func TestRunListenError(t *testing.T) {
	base, _, stop := startRun(t, nil, nil)
	defer stop()
	addr := strings.TrimPrefix(base, "http://")
	err := run(context.Background(), []string{"--addr", addr}, env(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("run on a busy port = %v, want a listen error", err)
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("s3cret\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyFile := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		args    []string
		env     map[string]string
		check   func(t *testing.T, c config)
		wantErr []string
	}{
		"defaults": {
			check: func(t *testing.T, c config) {
				if c.Addr != "127.0.0.1:8081" || c.AccountKey != "DID-sim-key" || c.accountSecret != "sim-secret" ||
					c.TokenLifetime != 5*time.Minute || c.location != time.UTC || !c.faults.IsZero() || c.PublicBaseURL != "" || !c.OwnershipCheck {
					t.Errorf("defaults = %+v", c)
				}
			},
		},
		"environment": {
			env: map[string]string{
				"TELEGENT_SIM_ADDR": ":9999", "TELEGENT_SIM_ACCOUNT_KEY": "DID-env", envAccountSecret: "env-secret", "TELEGENT_SIM_TOKEN_LIFETIME": "90s",
				"TELEGENT_SIM_PUBLIC_BASE_URL": "https://api.telegent.com", "TELEGENT_SIM_FAULT": "latency:1s", "TELEGENT_SIM_EXPIRY_ZONE": "America/New_York",
				"TELEGENT_SIM_LOG_LEVEL": "debug", "TELEGENT_SIM_SHUTDOWN_TIMEOUT": "3s",
			},
			check: func(t *testing.T, c config) {
				if c.Addr != ":9999" || c.AccountKey != "DID-env" || c.accountSecret != "env-secret" || c.TokenLifetime != 90*time.Second ||
					c.PublicBaseURL != "https://api.telegent.com" || c.faults.Latency != time.Second ||
					c.location.String() != "America/New_York" || c.ShutdownTimeout != 3*time.Second || c.LogLevel != slog.LevelDebug {
					t.Errorf("from env = %+v", c)
				}
			},
		},
		"flags beat environment": {
			args: []string{"--addr", "127.0.0.1:1", "--token-lifetime", "2m"},
			env:  map[string]string{"TELEGENT_SIM_ADDR": ":9999", "TELEGENT_SIM_TOKEN_LIFETIME": "90s"},
			check: func(t *testing.T, c config) {
				if c.Addr != "127.0.0.1:1" || c.TokenLifetime != 2*time.Minute {
					t.Errorf("got %+v", c)
				}
			},
		},
		"ownership check off": {
			env: map[string]string{"TELEGENT_SIM_OWNERSHIP_CHECK": "false"},
			check: func(t *testing.T, c config) {
				if c.OwnershipCheck {
					t.Error("OwnershipCheck stayed on")
				}
			},
		},
		"secret file": {
			args: []string{"--account-secret-file", secretFile},
			check: func(t *testing.T, c config) {
				if c.accountSecret != "s3cret" {
					t.Errorf("secret = %q", c.accountSecret)
				}
			},
		},
		"secret file from env": {
			env: map[string]string{"TELEGENT_SIM_ACCOUNT_SECRET_FILE": secretFile},
			check: func(t *testing.T, c config) {
				if c.accountSecret != "s3cret" {
					t.Errorf("secret = %q", c.accountSecret)
				}
			},
		},
		"every problem at once": {
			args: []string{"--token-lifetime", "10ms", "--fault", "status:abc", "--expiry-zone", "Nowhere/City",
				"--public-base-url", "api.telegent.com", "--log-level", "chatty", "--shutdown-timeout", "0s", "--account-key", ""},
			wantErr: []string{"--token-lifetime", "--fault", "--expiry-zone", "--public-base-url", "--log-level", "--shutdown-timeout", "--account-key"},
		},
		"secret twice":         {args: []string{"--account-secret-file", secretFile}, env: map[string]string{envAccountSecret: "x"}, wantErr: []string{"choose one"}},
		"missing secret file":  {args: []string{"--account-secret-file", "/nonexistent/secret"}, wantErr: []string{"--account-secret-file"}},
		"empty secret file":    {args: []string{"--account-secret-file", emptyFile}, wantErr: []string{"empty"}},
		"bad env duration":     {env: map[string]string{"TELEGENT_SIM_TOKEN_LIFETIME": "soon"}, wantErr: []string{"TELEGENT_SIM_TOKEN_LIFETIME"}},
		"positional argument":  {args: []string{"serve"}, wantErr: []string{"unexpected"}},
		"unknown flag":         {args: []string{"--account-secret", "x"}, wantErr: []string{"account-secret"}},
		"help is not an error": {args: []string{"--help"}, wantErr: []string{flag.ErrHelp.Error()}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			c, err := loadConfig(tc.args, env(tc.env), &stderr)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				tc.check(t, c)
				return
			}
			if err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestHelpDocumentsEveryFlagAndVariable(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"--help"}, env(nil), io.Discard, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run --help = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{
		"-addr", "TELEGENT_SIM_ADDR", "-account-key", "TELEGENT_SIM_ACCOUNT_KEY", "-account-secret-file", "TELEGENT_SIM_ACCOUNT_SECRET_FILE", envAccountSecret,
		"-token-lifetime", "TELEGENT_SIM_TOKEN_LIFETIME", "-public-base-url", "TELEGENT_SIM_PUBLIC_BASE_URL", "-fault", "TELEGENT_SIM_FAULT",
		"-expiry-zone", "TELEGENT_SIM_EXPIRY_ZONE", "-log-level", "TELEGENT_SIM_LOG_LEVEL", "-shutdown-timeout", "TELEGENT_SIM_SHUTDOWN_TIMEOUT",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("--help does not mention %s", want)
		}
	}
}

// TestShutdownCutsOffStragglers checks that a request still inside a latency fault
// when the grace period ends is cut off, and that run then reports the forced stop
// instead of hanging.
func TestShutdownCutsOffStragglers(t *testing.T) {
	base, _, stop := startRun(t, []string{"--shutdown-timeout", "100ms"}, nil)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	tok := postJSON(t, client, base+telegentsim.TokenPath, map[string]string{
		"AccountKey": "DID-sim-key", "AccountSecret": "sim-secret", "ApiEndpoint": base + telegentsim.CreatePath,
	}, "", 200)["token"].(string)

	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, base+telegentsim.CreatePath,
			strings.NewReader(`{"AccountId":"AID-1","WebhookUrl":"https://h.example/x?sim-fault=latency:1h"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			err = errors.New("answered: " + resp.Status)
		}
		errc <- err
	}()
	// Wait until the simulator has the request (no sleeping: ask it).
	for {
		var c telegentsim.Counters
		resp, err := client.Get(base + "/_sim/counters")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&c)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if c.FaultsInjected == 1 {
			break
		}
	}
	client.CloseIdleConnections()
	if err := stop(); err == nil || !strings.Contains(err.Error(), "shut down") {
		t.Errorf("run = %v, want a forced shutdown error", err)
	}
	if err := <-errc; err == nil || strings.HasPrefix(err.Error(), "answered") {
		t.Errorf("straggler: %v, want a connection error", err)
	}
}
