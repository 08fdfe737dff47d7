package netutil

import "testing"

func TestIsLoopbackHost(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"localhost":             true,
		"127.0.0.1":             true,
		"127.1.2.3":             true,
		"127.255.255.254":       true,
		"::1":                   true,
		"0:0:0:0:0:0:0:1":       true,
		"::ffff:127.0.0.1":      true, // the IPv4 loopback address, IPv4-mapped
		"localhost.":            false,
		"LOCALHOST":             false,
		"LocalHost":             false,
		"localhost.localdomain": false,
		"sub.localhost":         false,
		"localhost.example.com": false,
		"127.0.0.1.nip.io":      false,
		"127.1":                 false,
		"0x7f000001":            false,
		"2130706433":            false,
		"[::1]":                 false, // brackets belong to URLs, not hosts
		"::1%lo":                false,
		"fe80::1%lo":            false,
		"0.0.0.0":               false,
		"::":                    false,
		"10.0.0.1":              false,
		"128.0.0.1":             false,
		"":                      false,
		" localhost":            false,
		"localhost ":            false,
	} {
		if got := IsLoopbackHost(host); got != want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestIsLoopbackHostPort(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1:8080":  true,
		"[::1]:9090":      true,
		"localhost:0":     true,
		"localhost.:8080": false,
		":8080":           false,
		"0.0.0.0:8080":    false,
		"[::]:8080":       false,
		"127.0.0.1":       false, // no port: not an address
		"example.com:80":  false,
	} {
		if got := IsLoopbackHostPort(addr); got != want {
			t.Errorf("IsLoopbackHostPort(%q) = %v, want %v", addr, got, want)
		}
	}
}
