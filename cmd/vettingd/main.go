// Command vettingd keeps police vetting valid, sufficient and reviewed on
// time. See the README and `vettingd help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"vettingd/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, cli.Env{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
