// Loads a compose file the way `docker compose` does, with the Compose Specification's own
// loader (compose-go), and prints as JSON the resolved project, the loader's warnings and every
// variable the file asks for (whether .env defines it):
//
//	compose_loader DIR   # DIR holds docker-compose.yml and the .env it is loaded with
//
// A file that does not load (a bad key, a missing env_file, a `${X:?}` unset) exits non-zero
// with the loader's error; judging the rest is left to the caller.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/sirupsen/logrus"
)

// warnings keeps what the loader would print to the terminal.
type warnings []string

func (w *warnings) Levels() []logrus.Level { return []logrus.Level{logrus.WarnLevel} }

func (w *warnings) Fire(entry *logrus.Entry) error {
	*w = append(*w, entry.Message)
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose_loader DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	seen := warnings{}
	logrus.AddHook(&seen)
	asked := map[string]bool{} // variable name: defined in the environment
	recordLookups := func(o *loader.Options) {
		if o.Interpolate == nil { // options for reading the files only
			return
		}
		lookup := o.Interpolate.LookupValue
		o.Interpolate.LookupValue = func(name string) (string, bool) {
			value, ok := lookup(name)
			asked[name] = ok
			return value, ok
		}
	}

	options, err := cli.NewProjectOptions(
		[]string{filepath.Join(dir, "docker-compose.yml")},
		cli.WithWorkingDirectory(dir),
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithName("earshot"),
		cli.WithLoadOptions(recordLookups),
	)
	if err == nil {
		var project any
		project, err = options.LoadProject(context.Background())
		if err == nil {
			err = json.NewEncoder(os.Stdout).Encode(map[string]any{
				"project":   project,
				"warnings":  seen,
				"variables": asked,
			})
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "compose_loader:", err)
		os.Exit(1)
	}
}
