package kubernetes

import (
	"os"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// TestChecksCatchBrokenPods runs the secret and request-id checks against
// the Deployment as it was shipped before (pods in CrashLoopBackOff, 3
// replicas with the memory store) and against mutations of today's: they
// must fail there, or TestManifests proves nothing.
func TestChecksCatchBrokenPods(t *testing.T) {
	uid, gid := imageUser(t)
	m := render(t)
	flags := facadeFlags(t)

	t.Run("the Deployment before the fix", func(t *testing.T) {
		b, err := os.ReadFile("testdata/deployment-before-fsgroup.yaml")
		if err != nil {
			t.Fatal(err)
		}
		var old appsv1.Deployment
		if err := yaml.UnmarshalStrict(b, &old); err != nil {
			t.Fatal(err)
		}
		c, values := container(t, &old, flags)
		if bad := unreadableSecrets(old.Spec.Template.Spec, *c, uid, gid); len(bad) == 0 {
			t.Error("the secret check passes a pod whose Secret is root-owned with mode 0440 and no fsGroup")
		} else {
			t.Logf("caught: %s", bad[0])
		}
		if p := sharedStoreProblem(&old, m.hpa, *c, values); p == "" {
			t.Error("the request-id check passes 3 replicas with the memory store")
		} else {
			t.Logf("caught: %s", p)
		}
	})

	mutate := func(t *testing.T, change func(*appsv1.Deployment)) (*appsv1.Deployment, *corev1.Container, map[string]string) {
		t.Helper()
		d := m.deployment.DeepCopy()
		change(d)
		c, values := container(t, d, flags)
		return d, c, values
	}
	for name, change := range map[string]func(*appsv1.Deployment){
		"no fsGroup": func(d *appsv1.Deployment) { d.Spec.Template.Spec.SecurityContext.FSGroup = nil },
		"no fsGroup, group-readable by root's group": func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.SecurityContext.FSGroup = nil
			d.Spec.Template.Spec.Volumes[0].Secret.DefaultMode = ptr.To[int32](0o640)
		},
		"no fsGroup, an item readable by its owner only": func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.SecurityContext.FSGroup = nil
			d.Spec.Template.Spec.Volumes[0].Secret.DefaultMode = nil
			d.Spec.Template.Spec.Volumes[0].Secret.Items[0].Mode = ptr.To[int32](0o400)
		},
	} {
		t.Run(name, func(t *testing.T) {
			d, c, _ := mutate(t, change)
			if bad := unreadableSecrets(d.Spec.Template.Spec, *c, uid, gid); len(bad) == 0 {
				t.Error("the secret check passes it")
			}
		})
	}
	t.Run("another fsGroup", func(t *testing.T) {
		// fsGroup is a supplementary group of the process whatever its
		// value, and the kubelet makes the files group-readable.
		d, c, _ := mutate(t, func(d *appsv1.Deployment) { d.Spec.Template.Spec.SecurityContext.FSGroup = ptr.To[int64](1000) })
		if bad := unreadableSecrets(d.Spec.Template.Spec, *c, uid, gid); len(bad) != 0 {
			t.Errorf("the secret check fails readable files: %v", bad)
		}
	})
	t.Run("world-readable without fsGroup", func(t *testing.T) {
		// The kubelet's default mode, 0644, is readable by anyone: the
		// check must not fail what works.
		d, c, _ := mutate(t, func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.SecurityContext.FSGroup = nil
			for i := range d.Spec.Template.Spec.Volumes {
				d.Spec.Template.Spec.Volumes[i].Secret.DefaultMode = nil
			}
		})
		if bad := unreadableSecrets(d.Spec.Template.Spec, *c, uid, gid); len(bad) != 0 {
			t.Errorf("the secret check fails readable files: %v", bad)
		}
	})

	for name, change := range map[string]func(*appsv1.Deployment){
		"memory store": func(d *appsv1.Deployment) { setEnv(d, "IDEMPOTENCY_STORE", "memory") },
		"no store":     func(d *appsv1.Deployment) { setEnv(d, "IDEMPOTENCY_STORE", "") },
		"memory store as a flag": func(d *appsv1.Deployment) {
			c := &d.Spec.Template.Spec.Containers[0]
			c.Args = append(c.Args, "--idempotency-store=memory")
		},
	} {
		t.Run(name, func(t *testing.T) {
			d, c, values := mutate(t, change)
			if p := sharedStoreProblem(d, m.hpa, *c, values); p == "" {
				t.Error("the request-id check passes it with an autoscaler of several replicas")
			}
			one := m.hpa.DeepCopy()
			one.Spec.MinReplicas, one.Spec.MaxReplicas = ptr.To[int32](1), 1
			if p := sharedStoreProblem(d, one, *c, values); p != "" {
				t.Errorf("one replica with the memory store is refused: %s", p)
			}
		})
	}
}

// setEnv sets name in the facade's container, or removes it when value is
// empty.
func setEnv(d *appsv1.Deployment, name, value string) {
	c := &d.Spec.Template.Spec.Containers[0]
	var env []corev1.EnvVar
	for _, e := range c.Env {
		if e.Name != name {
			env = append(env, e)
		}
	}
	if value != "" {
		env = append(env, corev1.EnvVar{Name: name, Value: value})
	}
	c.Env = env
}
