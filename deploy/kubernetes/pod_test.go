package kubernetes

import (
	"fmt"
	"path"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// secretFileMode is the kubelet's default mode for the files of a Secret
// volume (corev1.SecretVolumeSourceDefaultMode).
const secretFileMode int32 = 0o644

// secretFile is one file the kubelet writes into a Secret volume, as the
// process sees it.
type secretFile struct {
	path     string // in the container
	uid, gid int64
	mode     int32
}

// secretFiles models what the kubelet writes for the Secret volumes mounted
// into c: files owned by root, with the item's mode, else the volume's
// defaultMode, else 0644; with an fsGroup their group is fsGroup and the
// kubelet adds group read (it sets ownership as for a read-only volume:
// mode |= 0440). A volume without items projects every key of the Secret,
// unknown here: it is modelled by one file named "*".
func secretFiles(pod corev1.PodSpec, c corev1.Container) []secretFile {
	var files []secretFile
	for _, vm := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name != vm.Name || v.Secret == nil {
				continue
			}
			mode := secretFileMode
			if v.Secret.DefaultMode != nil {
				mode = *v.Secret.DefaultMode
			}
			items := v.Secret.Items
			if len(items) == 0 {
				items = []corev1.KeyToPath{{Key: "*", Path: "*"}}
			}
			for _, it := range items {
				f := secretFile{path: path.Join(vm.MountPath, it.Path), mode: mode}
				if it.Mode != nil {
					f.mode = *it.Mode
				}
				if sc := pod.SecurityContext; sc != nil && sc.FSGroup != nil {
					f.gid = *sc.FSGroup
					f.mode |= 0o440
				}
				files = append(files, f)
			}
		}
	}
	return files
}

// processIDs are the uid, primary gid and supplementary groups c runs with:
// the container's settings over the pod's, over the image's user; fsGroup
// and supplementalGroups are supplementary groups of every container.
func processIDs(pod corev1.PodSpec, c corev1.Container, imageUID, imageGID int64) (uid int64, groups []int64) {
	uid, gid := imageUID, imageGID
	if sc := pod.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = *sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = *sc.RunAsGroup
		}
		if sc.FSGroup != nil {
			groups = append(groups, *sc.FSGroup)
		}
		groups = append(groups, sc.SupplementalGroups...)
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = *sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = *sc.RunAsGroup
		}
	}
	return uid, append(groups, gid)
}

// unreadableSecrets returns the Secret files mounted into c that c's
// process cannot read, by Unix permissions (all capabilities dropped: no
// CAP_DAC_OVERRIDE even for root).
func unreadableSecrets(pod corev1.PodSpec, c corev1.Container, imageUID, imageGID int64) []string {
	uid, groups := processIDs(pod, c, imageUID, imageGID)
	var bad []string
	for _, f := range secretFiles(pod, c) {
		var readable bool
		switch {
		case uid == f.uid:
			readable = f.mode&0o400 != 0
		case slices.Contains(groups, f.gid):
			readable = f.mode&0o040 != 0
		default:
			readable = f.mode&0o004 != 0
		}
		if !readable {
			bad = append(bad, fmt.Sprintf("%s (owner %d:%d, mode %#o; process uid %d, groups %v)", f.path, f.uid, f.gid, f.mode, uid, groups))
		}
	}
	return bad
}

// setting is the value c gives a facade setting: its flag in the args,
// else its environment variable, else the flag's default.
func setting(c corev1.Container, values map[string]string, flag, env string) string {
	for _, a := range c.Args {
		if strings.HasPrefix(a, "--"+flag+"=") {
			return values[flag]
		}
	}
	for _, e := range c.Env {
		if e.Name == env {
			return e.Value
		}
	}
	return values[flag]
}

// sharedStoreProblem says why d, scaled by hpa, would remember request ids
// per pod, or returns "": more than one replica with the memory store means
// one request_id sent to two pods (or to one pod before and after a
// restart) creates twice.
func sharedStoreProblem(d *appsv1.Deployment, hpa *autoscalingv2.HorizontalPodAutoscaler, c corev1.Container, values map[string]string) string {
	store := setting(c, values, "idempotency-store", "IDEMPOTENCY_STORE")
	if store != "memory" {
		return ""
	}
	if d.Spec.Replicas != nil && *d.Spec.Replicas > 1 {
		return fmt.Sprintf("%d replicas with --idempotency-store=memory: each pod remembers only its own request ids", *d.Spec.Replicas)
	}
	// The autoscaler's minimum, and its maximum too: a scale-out under
	// load is when retries are most likely to land on another pod.
	if hpa != nil && ((hpa.Spec.MinReplicas != nil && *hpa.Spec.MinReplicas > 1) || hpa.Spec.MaxReplicas > 1) {
		return fmt.Sprintf("an autoscaler of up to %d replicas with --idempotency-store=memory: each pod remembers only its own request ids", hpa.Spec.MaxReplicas)
	}
	return ""
}

// labelsSet adapts a label map for selectors.
func labelsSet(m map[string]string) labels.Set { return labels.Set(m) }
