package sqlitestore

// CheckpointErr is the last checkpoint round's failure, for tests.
func CheckpointErr(s *Store) error { return s.ckpt.err() }
