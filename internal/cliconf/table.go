package cliconf

import (
	"fmt"
	"reflect"
	"strings"
)

// Table is grammar's flags as a Markdown table (flag, environment,
// default, meaning), in declaration order, without --help: the README's
// flag table.
func Table(app App, grammar any) (string, error) {
	p, err := newParser(app, grammar, nil, nil)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("| flag | environment | default | meaning |\n| --- | --- | --- | --- |\n")
	for _, f := range p.k.Model.Flags {
		if f.Name == "help" || f.Hidden {
			continue
		}
		var env []string
		for _, e := range p.envs[f.Value] {
			env = append(env, "`"+e+"`")
		}
		if name := f.Tag.Get("secretenv"); name != "" {
			env = append(env, "`"+name+"` (the secret itself)")
		}
		def := defaultText(f.Value)
		if len(env) == 0 && f.Target.Kind() == reflect.Bool {
			def = "" // an action such as --version, not a setting
		}
		if f.HasDefault && f.Default != "" {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| `--%s` | %s | %s | %s |\n", f.Name, strings.Join(env, ", "), def, cell(f.Help))
	}
	return b.String(), nil
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// Begin and End mark the generated table in a Markdown document.
const (
	Begin = "<!-- flags:begin -->"
	End   = "<!-- flags:end -->"
)

// Replace puts table between the Begin and End markers of doc.
func Replace(doc, table string) (string, error) {
	before, rest, ok := strings.Cut(doc, Begin+"\n")
	_, after, ok2 := strings.Cut(rest, End)
	if !ok || !ok2 {
		return "", fmt.Errorf("replace flag table: want a line %q and a later %q", Begin, End)
	}
	return before + Begin + "\n" + table + End + after, nil
}
