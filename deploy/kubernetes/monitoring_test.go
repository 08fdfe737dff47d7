package kubernetes

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const monitoringDir = "components/monitoring"

// rule is one recording rule or alert of the PrometheusRule.
type rule struct {
	Record      string            `json:"record,omitempty"`
	Alert       string            `json:"alert,omitempty"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type ruleGroup struct {
	Name  string `json:"name"`
	Rules []rule `json:"rules"`
}

type prometheusRule struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Groups []ruleGroup `json:"groups"`
	} `json:"spec"`
}

type podMonitor struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Selector            metav1.LabelSelector `json:"selector"`
		PodMetricsEndpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
			Scheme   string `json:"scheme"`
		} `json:"podMetricsEndpoints"`
	} `json:"spec"`
}

func readRules(t *testing.T) prometheusRule {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(monitoringDir, "prometheusrule.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var pr prometheusRule
	if err := yaml.UnmarshalStrict(b, &pr); err != nil {
		t.Fatalf("decode the PrometheusRule: %v", err)
	}
	return pr
}

// facadeMetrics are the metric names the facade exports, read from its
// source: every "telegent_facade_..." name, and the server metrics the
// gRPC middleware names under that namespace.
func facadeMetrics(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../../server/*.go")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`"(telegent_facade_[a-z0-9_]+)"`).FindAllSubmatch(b, -1) {
			names[string(m[1])] = true
		}
	}
	for _, n := range []string{"handled_total", "started_total", "handling_seconds", "msg_received_total", "msg_sent_total"} {
		names["telegent_facade_grpc_server_"+n] = true
	}
	return names
}

// checkMetricNames checks that every metric expr reads is one the facade
// exports (or one of kube-state-metrics'); recording rules' names, which
// hold colons, are skipped.
func checkMetricNames(t *testing.T, where, expr string, known map[string]bool) {
	t.Helper()
	for _, id := range regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`).FindAllString(expr, -1) {
		switch {
		case strings.Contains(id, ":"):
		case strings.HasPrefix(id, "telegent_facade_"):
			base := id
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				if known[strings.TrimSuffix(id, suffix)] {
					base = strings.TrimSuffix(id, suffix)
				}
			}
			if !known[base] {
				t.Errorf("%s reads %s, which the facade does not export", where, id)
			}
		case strings.HasPrefix(id, "facade_"), strings.HasPrefix(id, "grpc_server_"), strings.HasPrefix(id, "telegent_") && !strings.HasPrefix(id, "telegent_facade"):
			t.Errorf("%s reads %s: an old metric name", where, id)
		}
	}
}

// githubAnchor is the anchor GitHub gives a Markdown heading.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

// TestAlertRules checks the alerts' shape and runbook links, and runs
// `promtool test rules` on the fixtures: every alert fires on bad series
// and stays quiet on healthy ones. `make test-manifests` installs promtool
// and requires it (REQUIRE_PROMTOOL); elsewhere the promtool part is
// skipped without it.
func TestAlertRules(t *testing.T) {
	pr := readRules(t)
	known := facadeMetrics(t)
	runbook, err := os.ReadFile("../../docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for line := range strings.Lines(string(runbook)) {
		if h, ok := strings.CutPrefix(line, "#"); ok {
			anchors[githubAnchor(strings.TrimLeft(h, "#"))] = true
		}
	}
	const runbookURL = "https://github.com/platform/telegent-facade/blob/main/docs/runbook.md#"
	var alerts []string
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			checkMetricNames(t, "rule "+r.Record+r.Alert, r.Expr, known)
			if r.Alert == "" {
				continue
			}
			alerts = append(alerts, r.Alert)
			if s := r.Labels["severity"]; s != "critical" && s != "warning" {
				t.Errorf("alert %s: severity %q, want critical or warning", r.Alert, s)
			}
			if r.Annotations["summary"] == "" {
				t.Errorf("alert %s has no summary", r.Alert)
			}
			for k, v := range r.Annotations {
				if strings.Contains(v, "{{") {
					t.Errorf("alert %s: annotation %s is a template; the fixtures expect plain text", r.Alert, k)
				}
			}
			anchor, ok := strings.CutPrefix(r.Annotations["runbook_url"], runbookURL)
			if !ok || !anchors[anchor] {
				t.Errorf("alert %s: runbook_url %q does not resolve to a heading of docs/runbook.md", r.Alert, r.Annotations["runbook_url"])
			}
		}
	}
	// The alerts the service's operators asked for.
	for _, want := range []string{
		"TelegentFacadeCredentialsRejected", "TelegentFacadeCircuitBreakerOpen", "TelegentFacadeOverloaded",
		"TelegentFacadeErrorBudgetBurnFast", "TelegentFacadeErrorBudgetBurnSlow", "TelegentFacadeRequestIDStoreDown",
		"TelegentFacadeFewerThanTwoReplicasReady", "TelegentFacadeCertificateExpiringSoon",
	} {
		if !slices.Contains(alerts, want) {
			t.Errorf("no alert %s", want)
		}
	}

	// The fixtures: every alert has a case where it fires and one where
	// it does not.
	b, err := os.ReadFile(filepath.Join(monitoringDir, "promtool-tests.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var fixtures map[string]any
	if err := yaml.Unmarshal(b, &fixtures); err != nil {
		t.Fatal(err)
	}
	annotations := map[string]map[string]string{}
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				annotations[r.Alert] = r.Annotations
			}
		}
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	tests, _ := fixtures["tests"].([]any)
	for _, tc := range tests {
		cases, _ := tc.(map[string]any)["alert_rule_test"].([]any)
		for _, c := range cases {
			c := c.(map[string]any)
			name, _ := c["alertname"].(string)
			exp, _ := c["exp_alerts"].([]any)
			if len(exp) == 0 {
				quiet[name] = true
			}
			for _, e := range exp {
				fires[name] = true
				// promtool compares annotations too: they come from the rule.
				e.(map[string]any)["exp_annotations"] = annotations[name]
			}
		}
	}
	for _, a := range alerts {
		if !fires[a] || !quiet[a] {
			t.Errorf("alert %s: the fixtures lack a case where it fires (%v) or one where it stays quiet (%v)", a, fires[a], quiet[a])
		}
	}

	promtool := findPromtool(t)
	dir := t.TempDir()
	rules, err := yaml.Marshal(map[string]any{"groups": pr.Spec.Groups})
	if err != nil {
		t.Fatal(err)
	}
	filled, err := yaml.Marshal(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), rules, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "promtool-tests.yaml"), filled, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"check", "rules", "rules.yaml"}, {"test", "rules", "promtool-tests.yaml"}} {
		cmd := exec.CommandContext(t.Context(), promtool, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestDashboard checks that the Grafana dashboard is JSON whose queries read
// metrics the facade exports, under their current names.
func TestDashboard(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(monitoringDir, "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	if d.UID == "" || len(d.Panels) == 0 {
		t.Fatal("dashboard.json has no uid or no panels")
	}
	known := facadeMetrics(t)
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			checkMetricNames(t, "panel "+p.Title, q.Expr, known)
		}
	}
}

// TestTrialOverlay renders the overlay that adds the Redis and monitoring
// components to the base: Redis's pod can read its Secret too, Redis
// admits only the facade, and the PodMonitor scrapes the facade's ops port.
func TestTrialOverlay(t *testing.T) {
	var (
		deployments = map[string]*appsv1.Deployment{}
		policies    = map[string]*networkingv1.NetworkPolicy{}
		monitors    []podMonitor
		rules       int
		dashboard   *corev1.ConfigMap
	)
	for _, o := range renderDir(t, "../overlays/trial") {
		switch o.gvk {
		case "apps/v1 Deployment":
			d := &appsv1.Deployment{}
			decode(t, o, d)
			deployments[o.name] = d
		case "networking.k8s.io/v1 NetworkPolicy":
			np := &networkingv1.NetworkPolicy{}
			decode(t, o, np)
			policies[o.name] = np
		case "monitoring.coreos.com/v1 PodMonitor":
			var pm podMonitor
			decode(t, o, &pm)
			monitors = append(monitors, pm)
		case "monitoring.coreos.com/v1 PrometheusRule":
			var pr prometheusRule
			decode(t, o, &pr)
			rules++
		case "v1 ConfigMap":
			dashboard = &corev1.ConfigMap{}
			decode(t, o, dashboard)
		}
	}
	facade, redis := deployments["telegent-facade"], deployments["telegent-facade-redis"]
	if facade == nil || redis == nil {
		t.Fatalf("the overlay renders deployments %v, want the facade's and Redis's", deployments)
	}
	podLabels := facade.Spec.Template.Labels
	if selects := labelsMatch(redis.Spec.Selector, podLabels); selects {
		t.Error("Redis's selector selects the facade's pods")
	}
	if labelsMatch(&metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "telegent-facade"}}, redis.Spec.Template.Labels) {
		t.Error("the facade's selectors select Redis's pods")
	}
	for _, c := range redis.Spec.Template.Spec.Containers {
		if bad := unreadableSecrets(redis.Spec.Template.Spec, c, 999, 999); len(bad) != 0 {
			t.Errorf("Redis cannot read %v", bad)
		}
	}
	if np := policies["telegent-facade-redis"]; np == nil || len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].From) != 1 ||
		!labelsMatch(np.Spec.Ingress[0].From[0].PodSelector, podLabels) {
		t.Error("Redis's NetworkPolicy does not admit exactly the facade's pods")
	}

	if len(monitors) != 1 || rules != 1 || dashboard == nil {
		t.Fatalf("the overlay renders %d PodMonitors, %d PrometheusRules, dashboard %v; want one of each", len(monitors), rules, dashboard != nil)
	}
	pm := monitors[0]
	if !labelsMatch(&pm.Spec.Selector, podLabels) {
		t.Errorf("the PodMonitor's selector %v does not select the facade's pods", pm.Spec.Selector)
	}
	ports := map[string]bool{}
	for _, c := range facade.Spec.Template.Spec.Containers {
		for _, p := range c.Ports {
			ports[p.Name] = true
		}
	}
	if len(pm.Spec.PodMetricsEndpoints) != 1 || pm.Spec.PodMetricsEndpoints[0].Port != "ops" || !ports["ops"] || pm.Spec.PodMetricsEndpoints[0].Path != "/metrics" {
		t.Errorf("the PodMonitor scrapes %+v, want /metrics on the ops port", pm.Spec.PodMetricsEndpoints)
	}
	want, err := os.ReadFile(filepath.Join(monitoringDir, "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	if dashboard.Data["telegent-facade.json"] != string(want) || dashboard.Labels["grafana_dashboard"] != "1" {
		t.Error("the dashboard ConfigMap does not carry dashboard.json with the label grafana_dashboard")
	}
}

func labelsMatch(sel *metav1.LabelSelector, podLabels map[string]string) bool {
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && !s.Empty() && s.Matches(labelsSet(podLabels))
}

// findPromtool returns promtool's path, or skips the test without it
// unless REQUIRE_PROMTOOL is set (as `make test-manifests` does).
func findPromtool(t *testing.T) string {
	t.Helper()
	promtool := os.Getenv("PROMTOOL")
	if promtool == "" {
		promtool, _ = exec.LookPath("promtool")
	}
	if promtool == "" {
		if os.Getenv("REQUIRE_PROMTOOL") != "" {
			t.Fatal("promtool not found: `make test-manifests` installs it")
		}
		t.Skip("promtool not found; `make test-manifests` installs it")
	}
	return promtool
}

// TestMetricsScrape runs the facade in dev mode, scrapes its /metrics and
// has `promtool check metrics` lint it; every metric of its own carries
// the telegent_facade_ prefix.
func TestMetricsScrape(t *testing.T) {
	promtool := findPromtool(t)
	bin := filepath.Join(t.TempDir(), "telegent-facade")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/telegent-facade")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the facade: %v\n%s", err, out)
	}
	cmd := exec.CommandContext(t.Context(), bin, "--dev", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	httpAddr := ""
	dec := json.NewDecoder(stderr)
	for httpAddr == "" {
		var line map[string]any
		if err := dec.Decode(&line); err != nil {
			t.Fatalf("the facade exited without serving: %v", err)
		}
		if line["msg"] == "serving" {
			httpAddr, _ = line["http_addr"].(string)
		}
	}
	go func() { _, _ = io.Copy(io.Discard, dec.Buffered()); _, _ = io.Copy(io.Discard, stderr) }()
	resp, err := http.Get("http://" + httpAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	scrape, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	check := exec.CommandContext(t.Context(), promtool, "check", "metrics")
	check.Stdin = bytes.NewReader(scrape)
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	for line := range strings.Lines(string(scrape)) {
		name, ok := strings.CutPrefix(line, "# TYPE ")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, " ")
		if !strings.HasPrefix(name, "telegent_facade_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			t.Errorf("metric %s lacks the telegent_facade_ prefix", name)
		}
	}
}
