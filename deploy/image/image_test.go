// Package image tests the facade's container image the way a runtime would
// use it, without a container runtime: `podman run` is not available on the
// build machines, so the test unpacks the image's filesystem and runs its
// entrypoint from it, chrooted and as the image's user.
//
// `make test-image` builds the image and passes its name in FACADE_IMAGE.
package image

import (
	"archive/tar"
	"bufio"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// imageConfig is the part of the OCI image configuration the test checks.
type imageConfig struct {
	User       string
	Entrypoint []string
	Cmd        []string
	Env        []string
	Labels     map[string]string
}

// devRequest is a valid create, as the facade's dev mode prints it.
const devRequest = `{"accountId":"AID-1234567","webhookUrl":"https://hooks.example.com/image-test","method":"HTTP_METHOD_POST","dataFormat":"DATA_FORMAT_JSON","authenticationType":"AUTHENTICATION_TYPE_NONE","subscribedEvents":["WEBHOOK_EVENT_NEW_SMS"]}`

func TestImage(t *testing.T) {
	ref := os.Getenv("FACADE_IMAGE")
	if ref == "" {
		t.Fatal("FACADE_IMAGE is not set: run `make test-image`, which builds the image and names it")
	}
	cfg := inspect(t, ref)
	uid, gid := checkConfig(t, cfg)
	checkLabels(t, cfg)

	root := t.TempDir()
	files := unpack(t, ref, root)
	checkFiles(t, root, files)

	checkVersion(t, root, cfg, uid, gid)
	runEntrypoint(t, root, cfg, uid, gid)
}

// chrooted is the image's entrypoint with args, run from the unpacked root
// as the image's user with the image's environment.
func chrooted(root string, cfg imageConfig, uid, gid uint32, args ...string) *exec.Cmd {
	cmd := exec.Command(cfg.Entrypoint[0], append(cfg.Entrypoint[1:], args...)...)
	cmd.Env = cfg.Env
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     root,
		Credential: &syscall.Credential{Uid: uid, Gid: gid},
	}
	return cmd
}

// checkVersion checks that the binary was stamped with the version and
// revision the image's labels carry.
func checkVersion(t *testing.T, root string, cfg imageConfig, uid, gid uint32) {
	t.Helper()
	out, err := chrooted(root, cfg, uid, gid, "--version").Output()
	if err != nil {
		t.Fatalf("--version: %v", err)
	}
	version, revision := cfg.Labels["org.opencontainers.image.version"], cfg.Labels["org.opencontainers.image.revision"]
	if version == "" || !strings.Contains(string(out), " "+version+" ") || !strings.Contains(string(out), revision) {
		t.Errorf("--version printed %q, want version %q and revision %q as the image's labels", out, version, revision)
	}
}

// checkLabels checks the OCI annotations a registry and a scanner read:
// where the source is, its licence, the revision and version, and when it
// was built (the commit's time, for a reproducible image).
func checkLabels(t *testing.T, cfg imageConfig) {
	t.Helper()
	for _, k := range []string{"source", "licenses", "revision", "version", "created"} {
		if cfg.Labels["org.opencontainers.image."+k] == "" {
			t.Errorf("label org.opencontainers.image.%s is missing", k)
		}
	}
	created := cfg.Labels["org.opencontainers.image.created"]
	if _, err := time.Parse(time.RFC3339, created); err != nil {
		t.Errorf("label org.opencontainers.image.created = %q: want RFC 3339: %v", created, err)
	}
	if src := cfg.Labels["org.opencontainers.image.source"]; !strings.HasPrefix(src, "https://") {
		t.Errorf("label org.opencontainers.image.source = %q: want an https:// URL", src)
	}
}

func podman(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "podman", args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
		}
		t.Fatalf("podman %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func inspect(t *testing.T, ref string) imageConfig {
	t.Helper()
	var cfg imageConfig
	if err := json.Unmarshal(podman(t, "image", "inspect", "--format", "{{json .Config}}", ref), &cfg); err != nil {
		t.Fatalf("decode image config: %v", err)
	}
	return cfg
}

// checkConfig checks that the image runs the binary directly (no shell
// form) as a numeric, non-root user, which Kubernetes' runAsNonRoot can
// verify without an /etc/passwd.
func checkConfig(t *testing.T, cfg imageConfig) (uid, gid uint32) {
	t.Helper()
	if len(cfg.Entrypoint) != 1 || cfg.Entrypoint[0] != "/telegent-facade" {
		t.Errorf("entrypoint = %q, want [/telegent-facade]", cfg.Entrypoint)
	}
	if len(cfg.Cmd) != 0 {
		t.Errorf("cmd = %q, want none", cfg.Cmd)
	}
	u, g, ok := strings.Cut(cfg.User, ":")
	if !ok {
		t.Fatalf("user = %q, want numeric uid:gid", cfg.User)
	}
	parse := func(what, s string) uint32 {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			t.Fatalf("image %s %q is not numeric", what, s)
		}
		if n == 0 {
			t.Fatalf("image %s is 0 (root)", what)
		}
		return uint32(n)
	}
	return parse("uid", u), parse("gid", g)
}

// unpack extracts the filesystem of a container created from ref (never
// started) into root, and returns the paths of its regular files.
func unpack(t *testing.T, ref, root string) []string {
	t.Helper()
	id := strings.TrimSpace(string(podman(t, "create", ref)))
	t.Cleanup(func() {
		// The test's context is already cancelled when cleanups run.
		_ = exec.Command("podman", "rm", "--force", id).Run()
	})
	cmd := exec.CommandContext(t.Context(), "podman", "export", id)
	stream, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("podman export: %v", err)
	}
	var files []string
	tr := tar.NewReader(stream)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read exported filesystem: %v", err)
		}
		name := path.Clean(h.Name)
		if !filepath.IsLocal(name) {
			t.Fatalf("exported filesystem has an entry outside its root: %q", h.Name)
		}
		dst := filepath.Join(root, name)
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(dst, 0o755)
		case tar.TypeReg:
			files = append(files, name)
			err = writeFile(dst, tr, h.FileInfo().Mode().Perm())
		default:
			// A symlink or device would be something a scratch image of one
			// binary should not have (a busybox shell comes as links).
			t.Errorf("unexpected %q entry %q in the image", h.Typeflag, h.Name)
		}
		if err != nil {
			t.Fatalf("unpack %s: %v", name, err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("podman export: %v", err)
	}
	// The root of the unpacked tree is a fresh temporary folder (0700); the
	// image's user must be able to enter it, as in a container.
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	return files
}

func writeFile(dst string, r io.Reader, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// checkFiles checks that the image holds the binary and the CA bundle and
// nothing else (so no shell), and that the binary is static: an
// interpreter (dynamic loader) could not be found in a scratch image.
func checkFiles(t *testing.T, root string, files []string) {
	t.Helper()
	want := map[string]bool{"telegent-facade": true, "etc/ssl/certs/ca-certificates.crt": true}
	for _, f := range files {
		if !want[f] {
			t.Errorf("unexpected file in the image: %s", f)
		}
		delete(want, f)
	}
	for f := range want {
		t.Errorf("the image lacks %s", f)
	}
	for _, sh := range []string{"bin/sh", "bin/bash", "bin/busybox", "usr/bin/sh"} {
		if _, err := os.Lstat(filepath.Join(root, sh)); err == nil {
			t.Errorf("the image has a shell: /%s", sh)
		}
	}
	bin, err := elf.Open(filepath.Join(root, "telegent-facade"))
	if err != nil {
		t.Fatalf("open the binary as ELF: %v", err)
	}
	defer bin.Close()
	for _, p := range bin.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary is dynamically linked (%v)", p.Type)
		}
	}
	if bin.Section(".symtab") != nil {
		t.Error("the binary is not stripped (it has a symbol table)")
	}
}

// runEntrypoint runs the image's entrypoint in dev mode, chrooted into the
// unpacked filesystem, as the image's user, with the image's environment,
// and checks that it serves /healthz and answers a create over REST.
func runEntrypoint(t *testing.T, root string, cfg imageConfig, uid, gid uint32) {
	t.Helper()
	cmd := chrooted(root, cfg, uid, gid, "--dev", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the entrypoint from the unpacked image: %v", err)
	}
	exited := make(chan error, 1)
	logs := make(chan map[string]any, 64)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil {
				logs <- line
			}
		}
		close(logs)
		exited <- cmd.Wait()
	}()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	httpAddr := ""
	for line := range logs {
		if line["msg"] == "serving" {
			httpAddr, _ = line["http_addr"].(string)
			break
		}
	}
	if httpAddr == "" {
		t.Fatal("the entrypoint exited without logging \"serving\"")
	}
	go func() {
		for range logs { // keep the pipe drained
		}
	}()
	base := "http://" + httpAddr

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if code, body := do(ctx, t, http.MethodGet, base+"/healthz", ""); code != http.StatusOK {
		t.Errorf("GET /healthz = %d %s", code, body)
	}
	code, body := do(ctx, t, http.MethodPost, base+"/v1/webhooks", devRequest)
	if code != http.StatusOK {
		t.Fatalf("POST /v1/webhooks = %d %s", code, body)
	}
	var created struct {
		Webhook struct {
			WebhookID string `json:"webhookId"`
		} `json:"webhook"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.Webhook.WebhookID == "" {
		t.Errorf("create answered %s, want a webhook with an id (%v)", body, err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if err := <-exited; err != nil {
		t.Errorf("the entrypoint did not exit cleanly on SIGTERM: %v", err)
	}
}

func do(ctx context.Context, t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s %s: %v", method, url, err)
	}
	return resp.StatusCode, string(b)
}
