// Package boundedfile reads the small files vettingd is pointed at (a
// policy, a secret, a CA bundle) in bounded memory, so that a path to
// /dev/zero or a large file given by mistake cannot fill it, and names
// what a path is when it is not a regular file.
package boundedfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrTooLarge is returned by Read for a file of more than its limit.
var ErrTooLarge = errors.New("larger than allowed")

// Read reads the file at path, at most most bytes; a longer one is
// ErrTooLarge (wrapped, with the limit). A pipe is read like a file: the
// caller that must refuse one checks Kind first.
func Read(path string, most int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadFrom(f, most)
}

// ReadFrom reads r to its end, at most most bytes.
func ReadFrom(r io.Reader, most int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, most+1))
	switch {
	case err != nil:
		return nil, err
	case int64(len(b)) > most:
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, most)
	}
	return b, nil
}

// Kind names what a file is when it is not a regular file: "a directory",
// "a named pipe", "a socket", "a device".
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}
