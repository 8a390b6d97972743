// Command benchdata prepares and measures the plan benchmarks' inputs
// (.ci/bench-plan):
//
//	benchdata prepare ROOT GROUPS   write (or reuse) the inputs below ROOT; print the spec root and the lockfile
//	benchdata decode DIR            the bare decode of a spec: every YAML and CSV file, on every core
//	benchdata seed FILE GROUPS      write a sandbox seed holding every user_id of the GROUPS-group spec
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/genuin/genuinctl/internal/benchdata"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 3 && args[0] == "prepare":
		groups, err := strconv.Atoi(args[2])
		if err != nil {
			fmt.Fprintln(stderr, "benchdata prepare: GROUPS:", err)
			return 2
		}
		in, err := benchdata.Prepare(args[1], benchdata.Campaign(groups))
		if err != nil {
			fmt.Fprintln(stderr, "benchdata prepare:", err)
			return 1
		}
		fmt.Fprintln(stdout, in.Dir, in.Lockfile)
		return 0
	case len(args) == 3 && args[0] == "seed":
		groups, err := strconv.Atoi(args[2])
		if err != nil {
			fmt.Fprintln(stderr, "benchdata seed: GROUPS:", err)
			return 2
		}
		if err := benchdata.WriteSeed(args[1], benchdata.Campaign(groups)); err != nil {
			fmt.Fprintln(stderr, "benchdata seed:", err)
			return 1
		}
		return 0
	case len(args) == 2 && args[0] == "decode":
		n, err := benchdata.Decode(args[1])
		if err != nil {
			fmt.Fprintln(stderr, "benchdata decode:", err)
			return 1
		}
		fmt.Fprintln(stdout, n, "files decoded")
		return 0
	}
	fmt.Fprintln(stderr, "usage: benchdata prepare ROOT GROUPS | benchdata decode DIR | benchdata seed FILE GROUPS")
	return 2
}
