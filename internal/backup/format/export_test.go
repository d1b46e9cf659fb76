package format

// Hooks for the external tests.

// DataKeyFromBytes makes a DataKey from known key bytes, for test vectors.
func DataKeyFromBytes(backupID string, plaintext, wrapped []byte) (*DataKey, error) {
	return newDataKey(backupID, append([]byte(nil), plaintext...), wrapped)
}

// KeyBytes exposes the plaintext key so tests can check it never leaks.
func (k *DataKey) KeyBytes() []byte { return k.key }
