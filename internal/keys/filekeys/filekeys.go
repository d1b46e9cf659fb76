// Package filekeys is a keys.KeyProvider whose key-encryption keys (KEKs) are
// files in a local directory, the keyring.
//
// The keyring holds one file per KEK version, named kek-000001.key,
// kek-000002.key and so on; each holds exactly 32 random bytes and has mode
// 0600. The highest version is current: new data keys are wrapped under it.
// Older versions are kept so that data keys not yet rewrapped still decrypt.
// Nothing else in the directory is read.
//
// A wrapped data key is laid out as: magic "DWK1" (4 bytes), KEK version
// (4 bytes, big-endian), nonce (12 bytes), AES-256-GCM of the data key under
// that KEK (48 bytes), with keys.CanonicalContext(encCtx) as the additional
// authenticated data.
package filekeys

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/dbwarden/dbwarden/internal/keys"
)

// KeySize is the size in bytes of a KEK file.
const KeySize = 32

const (
	magic      = "DWK1"
	nonceSize  = 12
	headerSize = len(magic) + 4 + nonceSize
	wrappedLen = headerSize + keys.DataKeySize + 16 // GCM tag
	filePrefix = "kek-"
	fileSuffix = ".key"
)

// ErrInsecureKeyFile is wrapped by the error of Open when a key file is
// accessible by group or others, is not a regular file, or is not exactly
// KeySize bytes.
var ErrInsecureKeyFile = errors.New("insecure key file")

// Provider wraps data keys under the KEKs of one keyring directory. It
// implements keys.KeyProvider and keys.Rewrapper and is safe for concurrent
// use, also by several processes sharing the directory.
type Provider struct {
	dir string

	mu      sync.RWMutex
	kek     map[uint32]cipher.AEAD
	current uint32
}

var (
	_ keys.KeyProvider = (*Provider)(nil)
	_ keys.Rewrapper   = (*Provider)(nil)
)

// Open loads the keyring in dir. If dir does not exist it is created with
// mode 0700; if it holds no key file, a first KEK is generated. Open refuses a
// keyring in which any key file is readable or writable by group or others,
// or is not exactly 32 bytes; the error names the file and the fix.
func Open(dir string) (*Provider, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("filekeys: open: %w", err)
	}
	p := &Provider{dir: dir}
	if err := p.reload(); err != nil {
		return nil, fmt.Errorf("filekeys: open: %w", err)
	}
	if p.current != 0 {
		return p, nil
	}
	// Empty keyring. If another process creates the first key at the same
	// moment, one of the two wins and both load it.
	if err := createKey(dir, 1); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("filekeys: open: create first key: %w", err)
	}
	if err := p.reload(); err != nil {
		return nil, fmt.Errorf("filekeys: open: %w", err)
	}
	if p.current == 0 {
		return nil, fmt.Errorf("filekeys: open: %s: no key file after creating one", dir)
	}
	return p, nil
}

// Dir returns the keyring directory.
func (p *Provider) Dir() string { return p.dir }

// Current returns the current KEK version.
func (p *Provider) Current() uint32 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.current
}

// GenerateDataKey implements keys.KeyProvider.
func (p *Provider) GenerateDataKey(_ context.Context, encCtx map[string]string) (plaintext, wrapped []byte, err error) {
	dataKey := make([]byte, keys.DataKeySize)
	if _, err := rand.Read(dataKey); err != nil {
		return nil, nil, fmt.Errorf("filekeys: generate data key: %w", err)
	}
	p.followRotation()
	version, aead := p.currentKEK()
	wrapped, err = wrap(version, aead, dataKey, encCtx)
	if err != nil {
		clear(dataKey)
		return nil, nil, fmt.Errorf("filekeys: generate data key: %w", err)
	}
	return dataKey, wrapped, nil
}

// Decrypt implements keys.KeyProvider. If wrapped names a KEK version this
// Provider has not loaded, the keyring is read again once, since another
// process may have rotated it.
func (p *Provider) Decrypt(_ context.Context, wrapped []byte, encCtx map[string]string) ([]byte, error) {
	dataKey, err := p.unwrap(wrapped, encCtx)
	if err != nil {
		return nil, fmt.Errorf("filekeys: decrypt: %w", err)
	}
	return dataKey, nil
}

// Rotate implements keys.Rewrapper: it writes a new KEK file one version
// above the highest in the keyring and makes it current.
func (p *Provider) Rotate(_ context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Another process may have rotated the keyring concurrently and taken the
	// version we want; then take the next one.
	for range 10 {
		if err := p.reloadLocked(); err != nil {
			return "", fmt.Errorf("filekeys: rotate: %w", err)
		}
		next := p.current + 1
		err := createKey(p.dir, next)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("filekeys: rotate: %w", err)
		}
		if err := p.reloadLocked(); err != nil {
			return "", fmt.Errorf("filekeys: rotate: %w", err)
		}
		return describe(p.dir, p.current), nil
	}
	return "", fmt.Errorf("filekeys: rotate: %s: keyring keeps changing under concurrent rotation", p.dir)
}

// Rewrap implements keys.Rewrapper. A blob already under the current version
// is checked and returned unchanged.
func (p *Provider) Rewrap(_ context.Context, wrapped []byte, encCtx map[string]string) ([]byte, error) {
	dataKey, err := p.unwrap(wrapped, encCtx)
	if err != nil {
		return nil, fmt.Errorf("filekeys: rewrap: %w", err)
	}
	defer clear(dataKey)
	version, aead := p.currentKEK()
	if v, _ := parseVersion(wrapped); v == version {
		return bytes.Clone(wrapped), nil
	}
	out, err := wrap(version, aead, dataKey, encCtx)
	if err != nil {
		return nil, fmt.Errorf("filekeys: rewrap: %w", err)
	}
	return out, nil
}

// NeedsRewrap implements keys.Rewrapper. It reports true for a malformed
// blob, so that Rewrap gets the chance to report the error.
func (p *Provider) NeedsRewrap(wrapped []byte) bool {
	v, ok := parseVersion(wrapped)
	return !ok || v != p.Current()
}

// followRotation picks up a rotation made by another process, so that new
// data keys are wrapped under the newest KEK: one stat of the next version's
// file per new data key.
func (p *Provider) followRotation() {
	next := p.Current() + 1
	if _, err := os.Stat(filepath.Join(p.dir, fileName(next))); err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// On failure keep the loaded keys: they still wrap correctly, under an
	// older version that the next rotation re-wraps.
	_ = p.reloadLocked()
}

func (p *Provider) currentKEK() (uint32, cipher.AEAD) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.current, p.kek[p.current]
}

func (p *Provider) unwrap(wrapped []byte, encCtx map[string]string) ([]byte, error) {
	version, ok := parseVersion(wrapped)
	if !ok || len(wrapped) != wrappedLen {
		return nil, fmt.Errorf("wrapped key is malformed: %w", keys.ErrDecrypt)
	}
	aead, err := p.kekVersion(version)
	if err != nil {
		return nil, err
	}
	nonce := wrapped[len(magic)+4 : headerSize]
	dataKey, err := aead.Open(nil, nonce, wrapped[headerSize:], keys.CanonicalContext(encCtx))
	if err != nil {
		return nil, fmt.Errorf("key version %d: %w", version, keys.ErrDecrypt)
	}
	return dataKey, nil
}

// kekVersion returns the KEK of version, reading the keyring again once if
// it is not loaded.
func (p *Provider) kekVersion(version uint32) (cipher.AEAD, error) {
	p.mu.RLock()
	aead := p.kek[version]
	p.mu.RUnlock()
	if aead != nil {
		return aead, nil
	}
	if err := p.reload(); err != nil {
		return nil, err
	}
	p.mu.RLock()
	aead = p.kek[version]
	p.mu.RUnlock()
	if aead == nil {
		return nil, fmt.Errorf("key version %d is not in %s: %w", version, p.dir, keys.ErrDecrypt)
	}
	return aead, nil
}

func (p *Provider) reload() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reloadLocked()
}

// reloadLocked reads every key file of the keyring. On error the Provider
// keeps what it had.
func (p *Provider) reloadLocked() error {
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return err
	}
	kek := make(map[uint32]cipher.AEAD, len(entries))
	var current uint32
	for _, e := range entries {
		version, ok := parseFileName(e.Name())
		if !ok {
			continue
		}
		aead, err := loadKey(filepath.Join(p.dir, e.Name()))
		if err != nil {
			return err
		}
		kek[version] = aead
		current = max(current, version)
	}
	p.kek, p.current = kek, current
	return nil
}

// loadKey reads and checks one key file. The checks are made on the opened
// file, so that what is checked is what is read.
func loadKey(path string) (cipher.AEAD, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w: not a regular file", path, ErrInsecureKeyFile)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%s: %w: mode %04o lets group or others access it; fix with: chmod 600 %s",
			path, ErrInsecureKeyFile, perm, path)
	}
	if fi.Size() != KeySize {
		return nil, fmt.Errorf("%s: %w: size is %d bytes, want %d", path, ErrInsecureKeyFile, fi.Size(), KeySize)
	}
	key := make([]byte, KeySize+1)
	defer clear(key)
	n, err := io.ReadFull(f, key)
	if n != KeySize || !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("%s: %w: size changed while reading", path, ErrInsecureKeyFile)
	}
	block, err := aes.NewCipher(key[:KeySize])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cipher.NewGCM(block)
}

// createKey writes the key file of version atomically: a temporary file in
// the same directory is filled, synced, then linked to its final name, which
// (unlike a rename) fails with fs.ErrExist instead of replacing a key another
// process has just created. The directory is synced last.
func createKey(dir string, version uint32) (err error) {
	key := make([]byte, KeySize)
	defer clear(key)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".kek-*.tmp") // mode 0600
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmpName, filepath.Join(dir, fileName(version))); err != nil {
		return err
	}
	if err := os.Remove(tmpName); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}

func wrap(version uint32, aead cipher.AEAD, dataKey []byte, encCtx map[string]string) ([]byte, error) {
	out := make([]byte, headerSize, wrappedLen)
	copy(out, magic)
	binary.BigEndian.PutUint32(out[len(magic):], version)
	nonce := out[len(magic)+4 : headerSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return aead.Seal(out, nonce, dataKey, keys.CanonicalContext(encCtx)), nil
}

func parseVersion(wrapped []byte) (uint32, bool) {
	if len(wrapped) < headerSize || string(wrapped[:len(magic)]) != magic {
		return 0, false
	}
	v := binary.BigEndian.Uint32(wrapped[len(magic):])
	return v, v != 0
}

func fileName(version uint32) string {
	return fmt.Sprintf("%s%06d%s", filePrefix, version, fileSuffix)
}

// parseFileName accepts exactly the names fileName makes.
func parseFileName(name string) (uint32, bool) {
	digits, ok := strings.CutPrefix(name, filePrefix)
	if !ok {
		return 0, false
	}
	digits, ok = strings.CutSuffix(digits, fileSuffix)
	if !ok || len(digits) < 6 {
		return 0, false
	}
	v, err := strconv.ParseUint(digits, 10, 32)
	if err != nil || v == 0 || fileName(uint32(v)) != name {
		return 0, false
	}
	return uint32(v), true
}

func describe(dir string, version uint32) string {
	return fmt.Sprintf("file key version %d (%s)", version, filepath.Join(dir, fileName(version)))
}
