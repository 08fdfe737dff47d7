// Package kubernetes tests the manifests in this folder: it renders the
// kustomization as kubectl would, decodes every object strictly into the
// Kubernetes API types (a misspelt field fails), and checks the invariants
// a rolling update and a hardened cluster depend on against the facade's
// real flags, their defaults, and the container image's user.
package kubernetes

import (
	"net"
	"os"
	"os/exec"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// containerName is the facade's container in the Deployment.
const containerName = "telegent-facade"

// manifests are the rendered objects of the base: one of each kind, but
// two Services (the ClusterIP one and the headless one).
type manifests struct {
	deployment     *appsv1.Deployment
	service        *corev1.Service
	headless       *corev1.Service
	pdb            *policyv1.PodDisruptionBudget
	hpa            *autoscalingv2.HorizontalPodAutoscaler
	networkPolicy  *networkingv1.NetworkPolicy
	serviceAccount *corev1.ServiceAccount
}

// object is one rendered object: its group/version and kind, its name and
// its YAML.
type object struct {
	gvk, name string
	yaml      []byte
}

// renderDir runs kustomize on dir, as kubectl would.
func renderDir(t *testing.T, dir string) []object {
	t.Helper()
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("render kustomization %s: %v", dir, err)
	}
	var objs []object
	for _, r := range resMap.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatalf("render %s %s: %v", r.GetKind(), r.GetName(), err)
		}
		objs = append(objs, object{gvk: r.GetApiVersion() + " " + r.GetKind(), name: r.GetName(), yaml: y})
	}
	return objs
}

// decode decodes o strictly into its API type: a misspelt field fails.
func decode(t *testing.T, o object, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(o.yaml, into); err != nil {
		t.Fatalf("decode %s %s strictly: %v\n%s", o.gvk, o.name, err, o.yaml)
	}
}

// render renders the base in this folder and decodes every object strictly
// into its API type; an object the test does not know fails.
func render(t *testing.T) manifests {
	t.Helper()
	var m manifests
	seen := map[string]bool{}
	for _, o := range renderDir(t, ".") {
		key := o.gvk
		if o.gvk == "v1 Service" {
			key += " " + o.name
		}
		if seen[key] {
			t.Fatalf("two objects of %s", key)
		}
		seen[key] = true
		var obj any
		switch o.gvk {
		case "apps/v1 Deployment":
			m.deployment = &appsv1.Deployment{}
			obj = m.deployment
		case "v1 Service":
			s := &corev1.Service{}
			if s.Name = o.name; strings.HasSuffix(o.name, "-headless") {
				m.headless = s
			} else {
				m.service = s
			}
			obj = s
		case "policy/v1 PodDisruptionBudget":
			m.pdb = &policyv1.PodDisruptionBudget{}
			obj = m.pdb
		case "autoscaling/v2 HorizontalPodAutoscaler":
			m.hpa = &autoscalingv2.HorizontalPodAutoscaler{}
			obj = m.hpa
		case "networking.k8s.io/v1 NetworkPolicy":
			m.networkPolicy = &networkingv1.NetworkPolicy{}
			obj = m.networkPolicy
		case "v1 ServiceAccount":
			m.serviceAccount = &corev1.ServiceAccount{}
			obj = m.serviceAccount
		default:
			t.Fatalf("unexpected object %s %s", o.gvk, o.name)
		}
		decode(t, o, obj)
	}
	for what, missing := range map[string]bool{
		"Deployment": m.deployment == nil, "Service": m.service == nil, "headless Service": m.headless == nil,
		"PodDisruptionBudget": m.pdb == nil, "HorizontalPodAutoscaler": m.hpa == nil,
		"NetworkPolicy": m.networkPolicy == nil, "ServiceAccount": m.serviceAccount == nil,
	} {
		if missing {
			t.Errorf("the kustomization renders no %s", what)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return m
}

// facadeFlags runs the facade's --help and returns every flag with its
// default ("" when none is printed).
func facadeFlags(t *testing.T) map[string]string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "run", "./cmd/telegent-facade", "--help")
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("telegent-facade --help: %v\n%s", err, out)
	}
	flagLine := regexp.MustCompile(`^\s+-{1,2}([a-z0-9-]+)`)
	defaultOf := regexp.MustCompile(`\(default "?([^")]*)"?\)`)
	flags := map[string]string{}
	last := ""
	for line := range strings.Lines(string(out)) {
		if m := flagLine.FindStringSubmatch(line); m != nil {
			last = m[1]
			flags[last] = ""
		}
		if m := defaultOf.FindStringSubmatch(line); m != nil && last != "" {
			flags[last] = m[1]
		}
	}
	for _, name := range []string{"grpc-addr", "http-addr", "ops-addr", "shutdown-delay", "shutdown-grace", "telegent-account-secret-file"} {
		if _, ok := flags[name]; !ok {
			t.Fatalf("--help lists no --%s:\n%s", name, out)
		}
	}
	return flags
}

// imageUser is the numeric uid:gid the Containerfile runs as.
func imageUser(t *testing.T) (uid, gid int64) {
	t.Helper()
	b, err := os.ReadFile("../../Containerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^USER\s+(\d+):(\d+)\s*$`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("the Containerfile has no numeric USER uid:gid")
	}
	uid, _ = strconv.ParseInt(m[1], 10, 64)
	gid, _ = strconv.ParseInt(m[2], 10, 64)
	return uid, gid
}

// container returns the facade's container and the value each flag has in
// it: the one its args give, or the binary's default.
func container(t *testing.T, d *appsv1.Deployment, flags map[string]string) (*corev1.Container, map[string]string) {
	t.Helper()
	var c *corev1.Container
	for i := range d.Spec.Template.Spec.Containers {
		if d.Spec.Template.Spec.Containers[i].Name == containerName {
			c = &d.Spec.Template.Spec.Containers[i]
		}
	}
	if c == nil {
		t.Fatalf("no container %q", containerName)
	}
	if len(c.Command) != 0 {
		t.Errorf("command %q overrides the image's entrypoint", c.Command)
	}
	values := map[string]string{}
	for k, v := range flags {
		values[k] = v
	}
	for _, a := range c.Args {
		name, value, ok := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || !ok {
			t.Errorf("argument %q: want --flag=value", a)
			continue
		}
		if _, known := flags[name]; !known {
			t.Errorf("argument %q: the binary has no --%s", a, name)
		}
		values[name] = value
	}
	return c, values
}

func portOf(t *testing.T, flag, addr string) int32 {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("--%s=%q: %v", flag, addr, err)
	}
	n, err := strconv.ParseInt(p, 10, 32)
	if err != nil || n == 0 {
		t.Fatalf("--%s=%q: want a fixed port", flag, addr)
	}
	return int32(n)
}

func duration(t *testing.T, flag, v string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("--%s=%q: %v", flag, v, err)
	}
	return d
}

func selects(t *testing.T, what string, sel *metav1.LabelSelector, podLabels map[string]string) {
	t.Helper()
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		t.Errorf("%s: empty selector", what)
		return
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if !s.Matches(labels.Set(podLabels)) {
		t.Errorf("%s: selector %v does not select the pods (%v)", what, s, podLabels)
	}
}

func TestManifests(t *testing.T) {
	m := render(t)
	flags := facadeFlags(t)
	d := m.deployment
	pod := d.Spec.Template.Spec
	c, values := container(t, d, flags)
	podLabels := d.Spec.Template.Labels

	containerPort := map[string]int32{}
	for _, p := range c.Ports {
		containerPort[p.Name] = p.ContainerPort
	}
	// portNumber resolves a probe's or a Service's port, by name or number.
	portNumber := func(p intstr.IntOrString) int32 {
		if p.Type == intstr.String {
			return containerPort[p.StrVal]
		}
		return p.IntVal
	}
	opsPort := int32(0)
	if values["ops-addr"] == "" {
		t.Fatal("--ops-addr is not set: kubelet's probes need the plaintext ops port")
	}
	opsPort = portOf(t, "ops-addr", values["ops-addr"])

	t.Run("replicas", func(t *testing.T) {
		// The autoscaler owns the count: a value here would reset it on
		// every apply.
		if d.Spec.Replicas != nil {
			t.Errorf("replicas = %d, want none: the HorizontalPodAutoscaler sets it", *d.Spec.Replicas)
		}
		if ru := d.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
			t.Errorf("rolling update %+v: want maxUnavailable 0, a replacement ready before a pod stops", ru)
		}
		selects(t, "deployment", d.Spec.Selector, podLabels)
	})

	t.Run("ports", func(t *testing.T) {
		for name, flag := range map[string]string{"grpc": "grpc-addr", "http": "http-addr", "ops": "ops-addr"} {
			if want := portOf(t, flag, values[flag]); containerPort[name] != want {
				t.Errorf("container port %q = %d, want %d (--%s=%s)", name, containerPort[name], want, flag, values[flag])
			}
		}
	})

	t.Run("probes", func(t *testing.T) {
		r := c.ReadinessProbe
		if r == nil || r.GRPC == nil {
			t.Fatal("readiness: want a gRPC health probe")
		}
		if r.GRPC.Port != opsPort {
			t.Errorf("readiness probes port %d, want the ops port %d (kubelet's gRPC probes speak plaintext only)", r.GRPC.Port, opsPort)
		}
		if r.GRPC.Service != nil && *r.GRPC.Service != "" {
			t.Errorf("readiness probes service %q, want the overall status", *r.GRPC.Service)
		}
		for name, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "startup": c.StartupProbe} {
			switch {
			case p == nil:
				t.Errorf("%s: no probe", name)
			case p.HTTPGet != nil:
				if portNumber(p.HTTPGet.Port) != opsPort || p.HTTPGet.Path != "/healthz" {
					t.Errorf("%s: GET %s on port %v, want /healthz on the ops port", name, p.HTTPGet.Path, p.HTTPGet.Port.String())
				}
			case p.GRPC != nil:
				if p.GRPC.Port != opsPort {
					t.Errorf("%s: gRPC port %d, want the ops port", name, p.GRPC.Port)
				}
			default:
				t.Errorf("%s: want an HTTP or gRPC probe", name)
			}
		}
	})

	t.Run("termination grace", func(t *testing.T) {
		delay := duration(t, "shutdown-delay", values["shutdown-delay"])
		grace := duration(t, "shutdown-grace", values["shutdown-grace"])
		tgps := pod.TerminationGracePeriodSeconds
		if tgps == nil {
			t.Fatal("terminationGracePeriodSeconds is not set")
		}
		if time.Duration(*tgps)*time.Second <= delay+grace {
			t.Errorf("terminationGracePeriodSeconds = %d, want more than shutdown delay %v + grace %v", *tgps, delay, grace)
		}
	})

	t.Run("security", func(t *testing.T) {
		uid, gid := imageUser(t)
		psc := pod.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
			t.Error("pod: want runAsNonRoot")
		}
		if psc == nil || psc.RunAsUser == nil || *psc.RunAsUser != uid || psc.RunAsGroup == nil || *psc.RunAsGroup != gid {
			t.Errorf("pod: want runAsUser %d and runAsGroup %d, the image's user", uid, gid)
		}
		// fsGroup makes the Secret files readable; OnRootMismatch spares a
		// recursive chown of every volume at each start.
		if psc != nil && psc.FSGroup != nil && (psc.FSGroupChangePolicy == nil || *psc.FSGroupChangePolicy != corev1.FSGroupChangeOnRootMismatch) {
			t.Error("pod: fsGroup without fsGroupChangePolicy OnRootMismatch")
		}
		if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Error("pod: want seccomp RuntimeDefault")
		}
		csc := c.SecurityContext
		if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
			t.Error("container: want a read-only root filesystem")
		}
		if csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
			t.Error("container: want allowPrivilegeEscalation false")
		}
		if csc == nil || csc.Capabilities == nil || len(csc.Capabilities.Drop) != 1 || csc.Capabilities.Drop[0] != "ALL" || len(csc.Capabilities.Add) != 0 {
			t.Error("container: want every capability dropped and none added")
		}
		if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
			t.Error("pod: the facade calls no Kubernetes API; want no service account token")
		}
	})

	t.Run("resources", func(t *testing.T) {
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, okReq := c.Resources.Requests[res]
			lim, okLim := c.Resources.Limits[res]
			if !okReq || !okLim {
				t.Errorf("%s: want both a request and a limit", res)
				continue
			}
			if req.Cmp(lim) > 0 {
				t.Errorf("%s: request %s above limit %s", res, req.String(), lim.String())
			}
		}
	})

	t.Run("memory limit for the GC", func(t *testing.T) {
		// The binary takes its soft memory limit from the container's
		// cgroup limit (a share of limits.memory) when GOMEMLIMIT is unset;
		// a GOMEMLIMIT here would override that share with a worse value.
		if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
			t.Fatal("no memory limit: the binary's soft memory limit comes from it")
		}
		for _, e := range c.Env {
			if e.Name == "GOMEMLIMIT" {
				t.Errorf("GOMEMLIMIT is set (%+v): it replaces the binary's share of the container's memory limit", e)
			}
			if e.Name == "GOGC" && e.Value == "off" {
				t.Error("GOGC=off would leave only the memory limit to trigger collections")
			}
		}
	})

	t.Run("account secret as a file", func(t *testing.T) {
		file := values["telegent-account-secret-file"]
		if !path.IsAbs(file) {
			t.Fatalf("--telegent-account-secret-file=%q: want an absolute path", file)
		}
		for _, e := range c.Env {
			if e.Name == "TELEGENT_ACCOUNT_SECRET" {
				t.Error("TELEGENT_ACCOUNT_SECRET in the environment: the secret belongs in a file")
			}
		}
		found := false
		for _, vm := range c.VolumeMounts {
			if vm.MountPath != path.Dir(file) {
				continue
			}
			if !vm.ReadOnly {
				t.Errorf("volume %q is mounted writable", vm.Name)
			}
			for _, v := range pod.Volumes {
				if v.Name != vm.Name || v.Secret == nil {
					continue
				}
				for _, it := range v.Secret.Items {
					if it.Path == path.Base(file) {
						found = true
					}
				}
			}
		}
		if !found {
			t.Errorf("no Secret volume provides %s", file)
		}
	})

	t.Run("secrets readable", func(t *testing.T) {
		uid, gid := imageUser(t)
		if len(secretFiles(pod, *c)) == 0 {
			t.Fatal("no Secret volume is mounted")
		}
		for _, f := range unreadableSecrets(pod, *c, uid, gid) {
			t.Errorf("the facade cannot read %s: it would exit with permission denied", f)
		}
	})

	t.Run("request ids shared", func(t *testing.T) {
		if p := sharedStoreProblem(d, m.hpa, *c, values); p != "" {
			t.Fatal(p)
		}
		store := setting(*c, values, "idempotency-store", "IDEMPOTENCY_STORE")
		if !strings.HasPrefix(store, "rediss://") {
			t.Errorf("IDEMPOTENCY_STORE=%q: want Redis over TLS (rediss://)", store)
		}
		provided := map[string]bool{}
		for _, f := range secretFiles(pod, *c) {
			provided[f.path] = true
		}
		for _, env := range []string{"IDEMPOTENCY_REDIS_CA_FILE", "IDEMPOTENCY_REDIS_PASSWORD_FILE"} {
			file := setting(*c, values, "", env)
			if !provided[file] {
				t.Errorf("%s=%q: no Secret volume provides it", env, file)
			}
		}
		if strings.Contains(strings.TrimPrefix(store, "rediss://"), "@") {
			t.Errorf("IDEMPOTENCY_STORE=%q: credentials belong in the password file, not the URL", store)
		}
	})

	t.Run("topology spread", func(t *testing.T) {
		keys := map[string]bool{}
		for _, tsc := range pod.TopologySpreadConstraints {
			keys[tsc.TopologyKey] = true
			selects(t, "topology spread "+tsc.TopologyKey, tsc.LabelSelector, podLabels)
		}
		if !keys["topology.kubernetes.io/zone"] || !keys["kubernetes.io/hostname"] {
			t.Errorf("topology spread over %v, want zones and nodes", keys)
		}
	})

	t.Run("service", func(t *testing.T) {
		s := m.service
		selects(t, "service", &metav1.LabelSelector{MatchLabels: s.Spec.Selector}, podLabels)
		names := map[string]bool{}
		for _, p := range s.Spec.Ports {
			names[p.Name] = true
			if p.AppProtocol == nil || *p.AppProtocol == "" {
				t.Errorf("service port %q: want an appProtocol", p.Name)
			}
			if portNumber(p.TargetPort) == 0 {
				t.Errorf("service port %q: target %s is no container port", p.Name, p.TargetPort.String())
			}
		}
		if !names["grpc"] || !names["http"] {
			t.Errorf("service ports %v, want grpc and http", names)
		}
		h := m.headless
		if h.Spec.ClusterIP != corev1.ClusterIPNone {
			t.Errorf("service %s: clusterIP %q, want None (one DNS record per pod, for round_robin)", h.Name, h.Spec.ClusterIP)
		}
		selects(t, "headless service", &metav1.LabelSelector{MatchLabels: h.Spec.Selector}, podLabels)
		if h.Spec.PublishNotReadyAddresses {
			t.Errorf("service %s publishes pods that are not ready", h.Name)
		}
		headlessGRPC := false
		for _, svc := range []*corev1.Service{s, h} {
			for _, p := range svc.Spec.Ports {
				if p.Name == "grpc" {
					headlessGRPC = headlessGRPC || svc == h
					// Kubernetes' standard value for HTTP/2 without TLS.
					if p.AppProtocol == nil || *p.AppProtocol != "kubernetes.io/h2c" {
						t.Errorf("service %s port grpc: appProtocol %v, want kubernetes.io/h2c", svc.Name, p.AppProtocol)
					}
					if portNumber(p.TargetPort) != containerPort["grpc"] {
						t.Errorf("service %s port grpc: target %s, want the grpc port", svc.Name, p.TargetPort.String())
					}
				}
				if portNumber(p.TargetPort) == opsPort {
					t.Errorf("service %s port %q exposes the unauthenticated ops port", svc.Name, p.Name)
				}
			}
		}
		if !headlessGRPC {
			t.Errorf("service %s has no grpc port", h.Name)
		}
	})

	t.Run("disruption budget", func(t *testing.T) {
		p := m.pdb
		selects(t, "pod disruption budget", p.Spec.Selector, podLabels)
		replicas := int(*m.hpa.Spec.MinReplicas)
		switch {
		case p.Spec.MaxUnavailable != nil:
			if n := p.Spec.MaxUnavailable.IntValue(); n < 1 || n >= replicas {
				t.Errorf("maxUnavailable %s: want at least 1 and fewer than %d", p.Spec.MaxUnavailable.String(), replicas)
			}
		case p.Spec.MinAvailable != nil:
			if n := p.Spec.MinAvailable.IntValue(); n < 1 || n >= replicas {
				t.Errorf("minAvailable %s: want at least 1 and fewer than %d", p.Spec.MinAvailable.String(), replicas)
			}
		default:
			t.Error("want maxUnavailable or minAvailable")
		}
	})

	t.Run("autoscaler", func(t *testing.T) {
		h := m.hpa
		if ref := h.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != d.Name || ref.APIVersion != "apps/v1" {
			t.Errorf("scale target %+v, want Deployment %s", ref, d.Name)
		}
		// At least 2, so that a zone or a node drain leaves one serving.
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 || h.Spec.MaxReplicas <= *h.Spec.MinReplicas {
			t.Errorf("replicas %v..%d, want from 2 or more up", h.Spec.MinReplicas, h.Spec.MaxReplicas)
		}
		if len(h.Spec.Metrics) == 0 {
			t.Error("no metrics to scale on")
		}
	})

	t.Run("network policy", func(t *testing.T) {
		np := m.networkPolicy
		selects(t, "network policy", &np.Spec.PodSelector, podLabels)
		types := map[networkingv1.PolicyType]bool{}
		for _, pt := range np.Spec.PolicyTypes {
			types[pt] = true
		}
		if !types[networkingv1.PolicyTypeIngress] || !types[networkingv1.PolicyTypeEgress] {
			t.Errorf("policy types %v, want Ingress and Egress", np.Spec.PolicyTypes)
		}
		ingress := map[int32]bool{}
		for _, r := range np.Spec.Ingress {
			for _, p := range r.Ports {
				if p.Port != nil {
					ingress[portNumber(*p.Port)] = true
				}
			}
		}
		for _, name := range []string{"grpc", "http"} {
			if !ingress[containerPort[name]] {
				t.Errorf("ingress does not admit the %s port", name)
			}
		}
		egress443 := false
		for _, r := range np.Spec.Egress {
			for _, p := range r.Ports {
				if p.Port != nil && p.Port.IntValue() == 443 {
					egress443 = true
				}
			}
		}
		if !egress443 {
			t.Error("egress does not allow HTTPS to Telegent")
		}
		if !egressTo(np, 6379, corev1.ProtocolTCP, nil) {
			t.Error("egress does not allow Redis (6379), the request-id store")
		}
		// DNS to the cluster's DNS pods in whatever namespace they run,
		// and to NodeLocal DNSCache's link-local address, over UDP and TCP.
		nodeLocal := func(p networkingv1.NetworkPolicyPeer) bool {
			return p.IPBlock != nil && p.IPBlock.CIDR == "169.254.20.10/32"
		}
		kubeDNS := func(p networkingv1.NetworkPolicyPeer) bool {
			return p.NamespaceSelector != nil && len(p.NamespaceSelector.MatchLabels) == 0 && len(p.NamespaceSelector.MatchExpressions) == 0 &&
				p.PodSelector != nil && p.PodSelector.MatchLabels["k8s-app"] == "kube-dns"
		}
		for _, proto := range []corev1.Protocol{corev1.ProtocolUDP, corev1.ProtocolTCP} {
			if !egressTo(np, 53, proto, nodeLocal) {
				t.Errorf("egress does not allow DNS over %s to NodeLocal DNSCache (169.254.20.10)", proto)
			}
			if !egressTo(np, 53, proto, kubeDNS) {
				t.Errorf("egress does not allow DNS over %s to kube-dns pods in any namespace", proto)
			}
		}
	})
}

// egressTo reports whether np lets the pods reach port over proto, at a
// peer peerOK accepts (any peer when nil; a rule without peers allows
// every destination).
func egressTo(np *networkingv1.NetworkPolicy, port int, proto corev1.Protocol, peerOK func(networkingv1.NetworkPolicyPeer) bool) bool {
	for _, r := range np.Spec.Egress {
		portOK := len(r.Ports) == 0
		for _, p := range r.Ports {
			pp := corev1.ProtocolTCP
			if p.Protocol != nil {
				pp = *p.Protocol
			}
			if pp == proto && (p.Port == nil || p.Port.IntValue() == port) {
				portOK = true
			}
		}
		if !portOK {
			continue
		}
		if len(r.To) == 0 {
			return peerOK == nil
		}
		for _, peer := range r.To {
			if peerOK == nil || peerOK(peer) {
				return true
			}
		}
	}
	return false
}
