package server

import "testing"

// TestTracingWanted: any standard setting that names where spans go turns
// tracing on; none, or OTEL_SDK_DISABLED, keeps it off.
func TestTracingWanted(t *testing.T) {
	for _, c := range []struct {
		env      map[string]string
		endpoint string
		want     bool
	}{
		{nil, "", false},
		{nil, "http://collector:4317", true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "console"}, "", true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, "", true},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, "", true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "none"}, "http://collector:4317", false},
		{map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "console"}, "", false},
	} {
		for _, k := range []string{"OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED"} {
			t.Setenv(k, c.env[k])
		}
		if got := tracingWanted(c.endpoint); got != c.want {
			t.Errorf("%v, endpoint %q: tracing %v, want %v", c.env, c.endpoint, got, c.want)
		}
	}
}
