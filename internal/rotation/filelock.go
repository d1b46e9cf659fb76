package rotation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// FileLocks is a Locker for one machine: an flock(2) on a file per secret
// in Dir. The kernel releases a lock when its holder exits, however it
// exits, so a killed rotation never leaves its secret locked.
type FileLocks struct {
	Dir string
}

// Lock implements Locker.
func (l FileLocks) Lock(_ context.Context, arn string) (func(), error) {
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("rotation lock: %w", err)
	}
	sum := sha256.Sum256([]byte(arn))
	path := filepath.Join(l.Dir, hex.EncodeToString(sum[:12])+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("rotation lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrBusy
		}
		return nil, fmt.Errorf("rotation lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
