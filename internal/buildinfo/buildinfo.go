// Package buildinfo tells which build of the facade is running. Version and
// Revision are stamped at link time:
//
//	go build -ldflags "-X github.com/platform/telegent-facade/internal/buildinfo.Version=v1.2.3 \
//	    -X github.com/platform/telegent-facade/internal/buildinfo.Revision=abc123"
//
// Without stamping, Revision falls back to the VCS revision the Go toolchain
// records, when it recorded one.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Stamped at link time; see the package documentation.
var (
	Version  = "dev"
	Revision = ""
)

// Info is what the binary knows of its own build.
type Info struct {
	Version   string
	Revision  string
	GoVersion string
}

// Read returns the build's version, revision and Go version.
func Read() Info {
	info := Info{Version: Version, Revision: Revision, GoVersion: runtime.Version()}
	if info.Revision == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					info.Revision = s.Value
				}
			}
		}
	}
	if info.Revision == "" {
		info.Revision = "unknown"
	}
	return info
}
