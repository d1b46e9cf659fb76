// Command dbwarden keeps MySQL credentials encrypted, with AWS Secrets
// Manager's semantics, and records every access in a hash-chained audit
// trail. Run "dbwarden --help" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
