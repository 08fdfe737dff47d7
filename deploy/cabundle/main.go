// Command cabundle writes the CA bundle of the facade's image, in PEM, to
// standard output: the Mozilla NSS roots as golang.org/x/crypto's
// x509roots/fallback module packages them, at the version deploy/go.mod
// pins, so that the image's trust store comes from a recorded source
// rather than from whatever the build host has installed. Roots that NSS
// constrains beyond what X.509 can say (a distrust-after date) are left
// out: a PEM bundle cannot carry the constraint, and trusting them without
// it would be wider than NSS's own trust.
package main

import (
	"bufio"
	"encoding/pem"
	"fmt"
	"os"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

func main() {
	w := bufio.NewWriter(os.Stdout)
	n := 0
	for root := range bundle.Roots() {
		if root.Constraint != nil {
			continue
		}
		if err := pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: root.Certificate}); err != nil {
			fmt.Fprintln(os.Stderr, "cabundle: write:", err)
			os.Exit(1)
		}
		n++
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "cabundle: write:", err)
		os.Exit(1)
	}
	if n == 0 {
		fmt.Fprintln(os.Stderr, "cabundle: no roots")
		os.Exit(1)
	}
}
