package secret

import (
	"errors"
	"fmt"
)

// Error codes, named and used as AWS Secrets Manager names and uses them, so
// that the API layer only has to put them on the wire.
const (
	CodeResourceNotFound  = "ResourceNotFoundException"
	CodeResourceExists    = "ResourceExistsException"
	CodeInvalidRequest    = "InvalidRequestException"
	CodeInvalidParameter  = "InvalidParameterException"
	CodeLimitExceeded     = "LimitExceededException"
	CodeEncryptionFailure = "EncryptionFailure"
	CodeDecryptionFailure = "DecryptionFailure"
	CodeInternalService   = "InternalServiceError"
	CodeInvalidNextToken  = "InvalidNextTokenException"
	CodeAccessDenied      = "AccessDeniedException"
)

// Error is a failure with a Secrets Manager error code. Its message never
// holds a secret value.
type Error struct {
	Code    string
	Message string
	Err     error // optional cause, never shown to API callers
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Code returns the Secrets Manager error code carried by err, or "" when err
// carries none.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsCode reports whether err carries the given error code.
func IsCode(err error, code string) bool { return Code(err) == code }
