package server

import (
	"fmt"
	"net"
)

// Listen binds the HTTP address, so that a daemon that cannot have it
// stops before it starts any work.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	return ln, nil
}
