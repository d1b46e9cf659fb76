// Package secret is dbwarden's domain model of a secret, with AWS Secrets
// Manager's semantics: names and ARNs, versions and staging labels, the limits
// Secrets Manager enforces, its error codes, and the password generator.
//
// The package is pure: it holds no I/O. Stores load a Secret, apply one of
// its methods, and persist the result in one transaction.
package secret
