package cliconf_test

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/platform/telegent-facade/internal/cliconf"
)

type settings struct {
	Addr            string        `name:"addr" env:"ADDR" default:":1" check:"listen" help:"listen address"`
	Wait            time.Duration `name:"wait" env:"WAIT" default:"${wait}" zero:"default" check:"positive" help:"how long"`
	Count           int           `name:"count" env:"COUNT" default:"3" check:"positive" help:"how many"`
	Optional        string        `name:"optional" env:"OPTIONAL" unset:"off" check:"omitempty,listen" help:"maybe"`
	SecretFile      string        `name:"secret-file" secretenv:"SECRET" help:"file holding the secret"`
	cliconf.Logging `embed:"" envprefix:"T_"`
	Secret          string `kong:"-"`
}

func (s *settings) Validate() error {
	return errors.Join(cliconf.Check(s, nil)...)
}

var app = cliconf.App{Name: "t", Vars: kong.Vars{"wait": "2s"}}

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestParseOrder(t *testing.T) {
	t.Parallel()
	var s settings
	err := cliconf.Parse(app, &s, []string{"--count", "9"}, env(map[string]string{"COUNT": "7", "ADDR": ":5", "T_LOG_LEVEL": "debug", "LOG_LEVEL": "error"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Count != 9 || s.Addr != ":5" || s.Wait != 2*time.Second || s.LogLevel != slog.LevelDebug {
		t.Errorf("got %+v", s)
	}
}

// Every malformed value, from a flag or the environment, and every rule
// broken is reported together, each once.
func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	var s settings
	err := cliconf.Parse(app, &s, []string{"--count", "many", "--optional", "nope"}, env(map[string]string{"WAIT": "soon", "ADDR": "x"}), nil)
	for _, want := range []string{"--count", "WAIT", "--optional", "--addr"} {
		if strings.Count(err.Error(), want) != 1 {
			t.Errorf("want %s once in:\n%v", want, err)
		}
	}
	if s.Count != 3 || s.Wait != 2*time.Second {
		t.Errorf("malformed values should leave the defaults: %+v", s)
	}
}

func TestHelpShowsDefaultsAndNamesNotValues(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	var s settings
	err := cliconf.Parse(app, &s, []string{"--help"}, env(map[string]string{"ADDR": "10.9.8.7:6543", "SECRET": "hush"}), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"(default 2s) how long", "$WAIT", "$T_LOG_LEVEL", "$SECRET", "(default info)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %s:\n%s", want, out.String())
		}
	}
	for _, never := range []string{"10.9.8.7", "hush"} {
		if strings.Contains(out.String(), never) {
			t.Errorf("help shows an environment value %s", never)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	var g struct {
		settings
		Version cliconf.VersionFlag `name:"version"`
	}
	// --version wins over settings that would not validate.
	if err := cliconf.Parse(app, &g, []string{"--version", "--addr", "x"}, env(nil), nil); !errors.Is(err, cliconf.ErrVersion) {
		t.Errorf("err = %v", err)
	}
}

func TestFillZeroAndTable(t *testing.T) {
	t.Parallel()
	var d settings
	if err := cliconf.Defaults(app, &d); err != nil {
		t.Fatal(err)
	}
	s := settings{Count: 1}
	cliconf.FillZero(&s, &d)
	if s.Wait != 2*time.Second || s.Addr != "" || s.Count != 1 {
		t.Errorf("FillZero: %+v", s)
	}
	table, err := cliconf.Table(app, &settings{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| `--wait` | `WAIT` | `2s` | how long |", "| `--optional` | `OPTIONAL` | off |", "`SECRET` (the secret itself)", "| `--log-level` | `T_LOG_LEVEL` | `info` |"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	doc := "a\n" + cliconf.Begin + "\nold\n" + cliconf.End + "\nb\n"
	got, err := cliconf.Replace(doc, table)
	if err != nil || got != "a\n"+cliconf.Begin+"\n"+table+cliconf.End+"\nb\n" {
		t.Errorf("Replace = %q, %v", got, err)
	}
}

func TestLogAttrsLeaveSecretsOut(t *testing.T) {
	t.Parallel()
	s := settings{Addr: ":7", Wait: time.Second, Secret: "hush-hush", Logging: cliconf.Logging{LogLevel: slog.LevelWarn}}
	var b bytes.Buffer
	slog.New(slog.NewJSONHandler(&b, nil)).Info("x", slog.Any("c", slog.GroupValue(cliconf.LogAttrs(&s)...)))
	for _, want := range []string{`"addr":":7"`, `"wait":1000000000`, `"log_level":"WARN"`, `"secret_file":""`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("log lacks %s: %s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "hush-hush") {
		t.Errorf("log shows the secret: %s", b.String())
	}
}
