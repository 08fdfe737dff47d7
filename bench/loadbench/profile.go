package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// profile samples the CPU and allocations of the plain hop and of the
// facade under load, once per protocol, through their --debug-addr
// listeners, and writes the profiles and their top lists into the profile
// directory.
func (b *bench) profile(ctx context.Context, out io.Writer) error {
	dir := b.o.profileDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n## Profiles at c=%d (%s each)\n", b.o.concurrency, b.o.profileTime)
	for _, name := range []string{rowHop, rowGRPC, rowREST} {
		do, err := b.call(ctx, name, b.facade)
		if err != nil {
			return err
		}
		slug, debugAddr := "facade-"+strings.ToLower(strings.TrimPrefix(name, "facade ")), b.facade.debugAddr
		if name == rowHop {
			slug, debugAddr = "hop", b.proxyDebugAddr
		}
		loadErr := make(chan error, 1)
		go func() {
			p, err := runPhase(ctx, do, b.o.concurrency, 0, b.o.warmup+b.o.profileTime+time.Second, b.meters(b.facade))
			if err == nil && p.failures > 0 {
				err = fmt.Errorf("%d failed calls while profiling, e.g. %v", p.failures, p.errs)
			}
			loadErr <- err
		}()
		sleep(ctx, b.o.warmup)
		secs := int(b.o.profileTime.Seconds())
		files := map[string]string{
			"cpu":    fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs),
			"allocs": fmt.Sprintf("/debug/pprof/allocs?seconds=%d", secs),
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(files))
		for kind, path := range files {
			wg.Go(func() {
				errs <- b.fetch(ctx, "http://"+debugAddr+path, filepath.Join(dir, slug+"."+kind+".pprof"))
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				return err
			}
		}
		if err := <-loadErr; err != nil {
			return fmt.Errorf("load while profiling %s: %w", name, err)
		}
		if err := b.simAdmin(ctx, http.MethodPost, "/_sim/reset", nil); err != nil {
			return err
		}
		for _, v := range []struct {
			file, suffix string
			args         []string
		}{
			{"cpu", "cpu-flat", []string{"-top", "-nodecount=40"}},
			{"cpu", "cpu-cum", []string{"-top", "-cum", "-nodecount=60"}},
			{"allocs", "allocs-flat", []string{"-top", "-sample_index=alloc_objects", "-nodecount=40"}},
			{"allocs", "allocs-cum", []string{"-top", "-cum", "-sample_index=alloc_objects", "-nodecount=60"}},
		} {
			prof := filepath.Join(dir, slug+"."+v.file+".pprof")
			txt, err := exec.CommandContext(ctx, "go", append(append([]string{"tool", "pprof"}, v.args...), prof)...).Output()
			if err != nil {
				return fmt.Errorf("go tool pprof %s: %w", prof, err)
			}
			path := filepath.Join(dir, slug+"."+v.suffix+".txt")
			if err := os.WriteFile(path, txt, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(out, "- %s\n", path)
		}
	}
	return nil
}

func (b *bench) fetch(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("fetch profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch profile %s: HTTP %d", url, resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
