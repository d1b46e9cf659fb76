package format

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"

	"github.com/dbwarden/dbwarden/internal/keys"
)

// The chunk layout; doc.go describes it in full.
const (
	chunkMagic = "DWC1"
	saltSize   = 16
	headerSize = len(chunkMagic) + 1 + 4 + saltSize
	tagSize    = 16
	nonceSize  = 12

	// SegmentSize is how many bytes of compressed data each encrypted
	// segment of a chunk holds (all but the last, which holds at most this
	// many). Readers accept segment sizes from 1 KiB to 1 MiB.
	SegmentSize = 64 << 10

	minSegmentSize = 1 << 10
	maxSegmentSize = 1 << 20

	// MinObjectSize is the smallest stored chunk: a header and one empty,
	// final segment.
	MinObjectSize = headerSize + tagSize
)

// chunkCipher seals and opens the segments of one chunk.
type chunkCipher struct {
	aead cipher.AEAD
	aad  []byte // header, then the canonical {BackupId, Object} context, then 8 bytes for the segment index
	pre  int    // length of the constant prefix of aad
	non  [nonceSize]byte
}

// newChunkCipher derives the chunk's key from the data key and the header's
// salt, and binds the header, the backup id and the object name into every
// segment's additional data.
func newChunkCipher(k *DataKey, header []byte, name string) (*chunkCipher, error) {
	salt := header[headerSize-saltSize : headerSize]
	key, err := k.chunkKey(salt)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	bound := keys.CanonicalContext(map[string]string{encryptionContextKey: k.backupID, "Object": name})
	aad := make([]byte, 0, len(header)+len(bound)+8)
	aad = append(aad, header...)
	aad = append(aad, bound...)
	return &chunkCipher{aead: aead, aad: aad, pre: len(aad)}, nil
}

// nonceAAD returns the nonce and additional data of segment index: the nonce
// is three zero bytes, the index (8 bytes, big-endian) and 1 for the last
// segment or 0 for any other; the additional data ends with the index. The
// returned slices are overwritten by the next call.
func (c *chunkCipher) nonceAAD(index uint64, last bool) (nonce, aad []byte) {
	binary.BigEndian.PutUint64(c.non[3:11], index)
	c.non[11] = 0
	if last {
		c.non[11] = 1
	}
	c.aad = binary.BigEndian.AppendUint64(c.aad[:c.pre], index)
	return c.non[:], c.aad
}

func (c *chunkCipher) seal(dst, plaintext []byte, index uint64, last bool) []byte {
	nonce, aad := c.nonceAAD(index, last)
	return c.aead.Seal(dst, nonce, plaintext, aad)
}

func (c *chunkCipher) open(dst, sealed []byte, index uint64, last bool) ([]byte, error) {
	nonce, aad := c.nonceAAD(index, last)
	return c.aead.Open(dst, nonce, sealed, aad)
}
