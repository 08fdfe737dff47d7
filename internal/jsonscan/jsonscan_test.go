package jsonscan

import (
	"encoding/json"
	"testing"
)

func TestPlainString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]struct {
		s  string
		ok bool
	}{
		`"abc",`:       {"abc", true},
		`""`:           {"", true},
		`"日本"`:         {"日本", true},
		`"a\"b"`:       {"", false},
		`"a\u0041"`:    {"", false},
		"\"a\x01\"":    {"", false},
		"\"\xff\"":     {"", false},
		`"open`:        {"", false},
		`abc`:          {"", false},
		"\"a\x7fb\"":   {"a\x7fb", true},
		`"<&>\u2028"`:  {"", false},
		"\"\u2028\"":   {"\u2028", true},
		`"tab	inside"`: {"", false},
	} {
		got, next, ok := PlainString(in, 0)
		if ok != want.ok || got != want.s {
			t.Errorf("PlainString(%q) = %q, %v; want %q, %v", in, got, ok, want.s, want.ok)
			continue
		}
		if ok {
			// What is plain decodes to itself.
			var decoded string
			if err := json.Unmarshal([]byte(in[:next]), &decoded); err != nil || decoded != got {
				t.Errorf("encoding/json reads %q as %q, %v", in[:next], decoded, err)
			}
		}
	}
}

func TestLiteralAndSpace(t *testing.T) {
	t.Parallel()
	if lit, next, ok := Literal("x false,", 2); !ok || lit != "false" || next != 7 {
		t.Errorf("Literal = %q, %d, %v", lit, next, ok)
	}
	if _, _, ok := Literal("nul", 0); ok {
		t.Error("Literal accepted a cut literal")
	}
	if i := SkipSpace(" \t\r\n x", 0); i != 5 {
		t.Errorf("SkipSpace = %d", i)
	}
}
