package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestDebugAddrMustBeLoopback(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{
		"127.0.0.1:6060": true, "localhost:6060": true, "[::1]:6060": true, "127.0.0.1:0": true,
		":6060": false, "0.0.0.0:6060": false, "192.0.2.1:6060": false, "[::]:6060": false, "6060": false,
	} {
		cfg, err := LoadConfig([]string{"--dev", "--debug-addr", addr}, func(string) string { return "" }, io.Discard)
		if ok && (err != nil || cfg.DebugAddr != addr) {
			t.Errorf("--debug-addr %s refused: %v", addr, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "--debug-addr")) {
			t.Errorf("--debug-addr %s accepted (error %v)", addr, err)
		}
	}
}

func TestDebugServerServesProfilesUntilStopped(t *testing.T) {
	t.Parallel()
	d, err := listenDebug(t.Context(), "127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.serve(ctx) }()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://" + d.lis.Addr().String() + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /debug/pprof/cmdline: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	if d, err := listenDebug(t.Context(), "", nil); d != nil || err != nil {
		t.Errorf("no address: %v, %v; want no debug server", d, err)
	}
}
