// Package cliconf loads a binary's configuration from its flags and
// environment, declared once as a struct tagged for github.com/alecthomas/kong,
// and renders that declaration as a Markdown table for the README.
//
// Tags understood here, beside kong's own (name, env, default, help,
// envprefix, embed):
//
//   - check:"rule,rule": rules the value must pass (see Rules); "omitempty"
//     skips the others when the value is zero.
//   - zero:"default": a Config built in code gets the declared default for
//     this field when it leaves it zero.
//   - unset:"text": what the README's default column says when there is no
//     default ("off", "required unless --dev").
//   - secretenv:"NAME": the flag names a file holding a secret, which may
//     instead be given as the value of environment variable NAME. Secrets
//     are never flags: the binary reads NAME itself into a kong:"-" field.
//
// Unlike kong's own loading, every malformed value (flag or environment) is
// recorded and parsing goes on, so that the caller reports every problem at
// once; the environment is read through a function, not os.Getenv, so that
// tests run in parallel.
package cliconf

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"reflect"
	"strings"
	"time"

	"github.com/alecthomas/kong"
)

// Logging is the setting both binaries share: the minimum level logged.
// The simulator embeds it with envprefix:"TELEGENT_SIM_".
type Logging struct {
	LogLevel slog.Level `name:"log-level" env:"LOG_LEVEL" default:"info" help:"minimum level logged: debug, info, warn or error"`
}

// ErrVersion is returned by Parse when --version is given: the caller
// prints the build's version and exits.
var ErrVersion = errors.New("version requested")

// VersionFlag is the type of a --version field: it stops the parse before
// any setting is checked.
type VersionFlag bool

// BeforeReset is kong's hook, run before defaults and checks.
func (VersionFlag) BeforeReset() error { return ErrVersion }

// App names a command line and the variables its tags interpolate
// (${name} in default and help).
type App struct {
	Name        string
	Description string
	Vars        kong.Vars
}

// exit is what kong's --help handling panics with instead of exiting.
type exit struct{}

// parser is one kong parser over one grammar, with the environment names
// taken out of kong's hands (kong would read os.Getenv).
type parser struct {
	k        *kong.Kong
	envs     map[*kong.Value][]string
	problems []error
}

func newParser(app App, grammar any, getenv func(string) string, usage io.Writer) (*parser, error) {
	p := &parser{envs: map[*kong.Value][]string{}}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if usage == nil {
		usage = io.Discard
	}
	k, err := kong.New(grammar,
		kong.Name(app.Name),
		kong.Description(app.Description),
		app.Vars,
		kong.Writers(usage, usage),
		kong.Exit(func(int) { panic(exit{}) }),
		kong.ValueFormatter(p.helpValue),
		kong.Resolvers(kong.ResolverFunc(p.resolve(getenv))),
		kong.PostBuild(func(k *kong.Kong) error {
			for _, f := range k.Model.Flags {
				p.envs[f.Value] = f.Tag.Envs
				f.Tag.Envs = nil // kong would read them from os.Getenv
				if f.Name != "help" {
					f.Mapper = lenient{inner: f.Mapper, problems: &p.problems}
				}
				if f.HasDefault && f.PlaceHolder == "" {
					// The default is in the help text.
					f.PlaceHolder = strings.ToUpper(f.Target.Type().Name())
				}
			}
			return nil
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("build command line: %w", err)
	}
	p.k = k
	return p, nil
}

// envValue is a value found in the environment, passed from the resolver
// to the lenient mapper so that a problem names the variable.
type envValue struct{ name, value string }

func (p *parser) resolve(getenv func(string) string) func(*kong.Context, *kong.Path, *kong.Flag) (any, error) {
	return func(_ *kong.Context, _ *kong.Path, f *kong.Flag) (any, error) {
		for _, name := range p.envs[f.Value] {
			if v := getenv(name); v != "" {
				return envValue{name, v}, nil
			}
		}
		return nil, nil
	}
}

// lenient records a malformed value as a problem, sets the default
// instead (so that the value's rules do not report it a second time) and
// lets the parse go on.
type lenient struct {
	inner    kong.Mapper
	problems *[]error
}

func (l lenient) Decode(ctx *kong.DecodeContext, target reflect.Value) error {
	source := "--" + ctx.Value.Name
	if ev, ok := ctx.Scan.Peek().Value.(envValue); ok {
		ctx.Scan.Pop()
		source = ev.name
		ctx = &kong.DecodeContext{Value: ctx.Value, Scan: kong.ScanFromTokens(kong.Token{Type: kong.FlagValueToken, Value: ev.value})}
	}
	if err := l.inner.Decode(ctx, target); err != nil {
		*l.problems = append(*l.problems, fmt.Errorf("%s: %w", source, err))
		target.Set(reflect.Zero(target.Type()))
		if ctx.Value.HasDefault {
			def := &kong.DecodeContext{Value: ctx.Value, Scan: kong.ScanFromTokens(kong.Token{Type: kong.FlagValueToken, Value: ctx.Value.Default})}
			_ = l.inner.Decode(def, target)
		}
	}
	return nil
}

// helpValue is a flag's line in --help: its default, its help, its
// environment variable and, without a default, its unset tag; never a
// value from the environment. The default comes first, in the flag
// package's words, so that it is never wrapped over two lines: the
// deployment's test reads it there.
func (p *parser) helpValue(v *kong.Value) string {
	s := v.Help
	if v.HasDefault && v.Default != "" {
		s = "(default " + v.Default + ") " + s
	}
	if envs := p.envs[v]; len(envs) > 0 {
		s += " ($" + strings.Join(envs, ", $") + ")"
	}
	if name := v.Tag.Get("secretenv"); name != "" {
		s += " (or $" + name + ": the secret itself)"
	}
	if unset := v.Tag.Get("unset"); unset != "" && !v.HasDefault {
		s += " [" + unset + "]"
	}
	return s
}

func defaultText(v *kong.Value) string {
	switch {
	case v.HasDefault && v.Default != "":
		return v.Default
	case v.Target.Kind() == reflect.Bool:
		return "off"
	}
	return v.Tag.Get("unset")
}

// Parse loads grammar, a pointer to a tagged struct, from args and the
// environment (getenv; flags beat the environment, which beats the
// defaults). --help writes the usage to usage and returns flag.ErrHelp;
// a VersionFlag field returns ErrVersion. kong calls the grammar's
// Validate methods last; their error is joined to every malformed value
// found before, so that all are reported at once. grammar holds what
// could be read even when Parse fails.
func Parse(app App, grammar any, args []string, getenv func(string) string, usage io.Writer) (err error) {
	p, err := newParser(app, grammar, getenv, usage)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(exit); !ok {
				panic(r)
			}
			err = flag.ErrHelp
		}
	}()
	_, err = p.k.Parse(args)
	if errors.Is(err, ErrVersion) {
		return ErrVersion
	}
	var perr *kong.ParseError
	if errors.As(err, &perr) {
		err = perr.Unwrap()
	}
	return errors.Join(append(p.problems, err)...)
}

// Defaults sets grammar, a pointer to a tagged struct, to its declared
// defaults, without the environment and without checks.
func Defaults(app App, grammar any) error {
	p, err := newParser(app, grammar, nil, nil)
	if err != nil {
		return err
	}
	ctx, err := kong.Trace(p.k, nil)
	if err != nil {
		return fmt.Errorf("load defaults: %w", err)
	}
	return ctx.Reset()
}

// Usage is what --help prints.
func Usage(app App, grammar any) (string, error) {
	var b strings.Builder
	err := Parse(app, grammar, []string{"--help"}, nil, &b)
	if !errors.Is(err, flag.ErrHelp) {
		return "", fmt.Errorf("print usage: %w", err)
	}
	return b.String(), nil
}

// FillZero sets each field of dst tagged zero:"default" that is zero to
// the same field of defaults; both point to the same struct type.
func FillZero(dst, defaults any) {
	d, s := reflect.ValueOf(dst).Elem(), reflect.ValueOf(defaults).Elem()
	for i := range d.NumField() {
		f := d.Type().Field(i)
		switch {
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			FillZero(d.Field(i).Addr().Interface(), s.Field(i).Addr().Interface())
		case f.Tag.Get("zero") == "default" && d.Field(i).IsZero():
			d.Field(i).Set(s.Field(i))
		}
	}
}

// Rules are named checks of a value, used by check tags.
type Rules map[string]func(v reflect.Value) error

// CommonRules are the rules every binary may use: positive, notnegative
// (numbers and durations) and listen (a host:port).
var CommonRules = Rules{
	"positive": func(v reflect.Value) error {
		if number(v) <= 0 {
			return fmt.Errorf("must be positive, got %v", v.Interface())
		}
		return nil
	},
	"notnegative": func(v reflect.Value) error {
		if number(v) < 0 {
			return fmt.Errorf("must not be negative, got %v", v.Interface())
		}
		return nil
	},
	"listen": String(func(addr string) error {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%q: %w", addr, err)
		}
		return nil
	}),
}

func number(v reflect.Value) float64 {
	switch v.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return float64(v.Int())
	case reflect.Float64, reflect.Float32:
		return v.Float()
	}
	panic(fmt.Sprintf("cliconf: %s is not a number", v.Type()))
}

// String makes a rule of a check of a string.
func String(check func(string) error) func(reflect.Value) error {
	return func(v reflect.Value) error { return check(v.String()) }
}

// Check runs the check tags of cfg, a pointer to a tagged struct (and of
// its embedded structs), with rules and CommonRules, and returns every
// problem, each prefixed with its flag.
func Check(cfg any, rules Rules) []error {
	var problems []error
	v := reflect.ValueOf(cfg).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			problems = append(problems, Check(v.Field(i).Addr().Interface(), rules)...)
			continue
		}
		tag := f.Tag.Get("check")
		if tag == "" {
			continue
		}
		for _, name := range strings.Split(tag, ",") {
			if name == "omitempty" {
				if v.Field(i).IsZero() {
					break
				}
				continue
			}
			rule := rules[name]
			if rule == nil {
				rule = CommonRules[name]
			}
			if rule == nil {
				panic("cliconf: no rule " + name)
			}
			if err := rule(v.Field(i)); err != nil {
				problems = append(problems, fmt.Errorf("--%s: %w", f.Tag.Get("name"), err))
				break
			}
		}
	}
	return problems
}

// LogAttrs are the settings of cfg, a pointer to a tagged struct, as log
// attributes named after their flags (grpc-addr: grpc_addr). Fields
// without a flag (secrets are kong:"-") and fields tagged log:"-" are left
// out.
func LogAttrs(cfg any) []slog.Attr {
	var attrs []slog.Attr
	v := reflect.ValueOf(cfg).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			attrs = append(attrs, LogAttrs(v.Field(i).Addr().Interface())...)
			continue
		}
		name := f.Tag.Get("name")
		if name == "" || f.Tag.Get("log") == "-" || !f.IsExported() {
			continue
		}
		key := strings.ReplaceAll(name, "-", "_")
		switch x := v.Field(i).Interface().(type) {
		case time.Duration:
			attrs = append(attrs, slog.Duration(key, x))
		case fmt.Stringer:
			attrs = append(attrs, slog.String(key, x.String()))
		default:
			attrs = append(attrs, slog.Any(key, x))
		}
	}
	return attrs
}
