// Command genuinctl provisions Genuin communities, groups and members from
// YAML files kept in git: plan shows what would change, apply makes it so.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
