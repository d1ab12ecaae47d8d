// Command vettingd keeps police vetting valid, sufficient and reviewed on
// time. See the README and `vettingd help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"vettingd/cli"
)

func main() {
	now, err := wallClock()
	if err != nil {
		fmt.Fprintf(os.Stderr, "vettingd: %s\n", err)
		os.Exit(cli.ExitUsage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, cli.Env{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: now})
	stop()
	os.Exit(code)
}
