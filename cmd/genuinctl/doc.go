// Command genuinctl provisions Genuin communities, groups and members from
// YAML files kept in git: validate checks them, plan shows what would
// change (offline), apply makes the API calls and records every result in
// the lockfile, state and import fix the lockfile by hand, sandbox serves a
// local emulator of the API, and version names the build.
//
// The lockfile defaults to genuin.lock in the spec root (options.go); the
// endpoint it belongs to, and when its records may follow another, is
// decided in bind.go; the embedded sandbox is named by the instance id in
// its data file, "sandbox:<instance>" (endpoint.go).
//
// This package only parses flags, wires the packages together, renders and
// chooses exit codes; the logic lives in spec, reconcile and internal/.
// main only exits: run returns the exit code, so that locks are released
// and journals flushed on every path. Each command's file parses its flags
// into an options struct, runs, and renders. The end-to-end tests in
// testdata/script drive the real binary against the sandbox over loopback.
package main
