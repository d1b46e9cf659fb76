package api

import (
	"errors"

	"github.com/dbwarden/dbwarden/internal/secret"
)

// apiError is an error as it goes on the wire: an HTTP status, the
// exception name in __type and its message.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errIncompleteSignature(msg string) *apiError {
	return &apiError{400, "IncompleteSignatureException", msg}
}

var (
	errMissingToken = &apiError{400, "MissingAuthenticationTokenException", "Request is missing Authentication Token"}
	errUnrecognized = &apiError{400, "UnrecognizedClientException", "The security token included in the request is invalid."}
	errSignature    = &apiError{400, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	errUnknownOp    = &apiError{400, "UnknownOperationException", ""}
	errTooLarge     = &apiError{413, "RequestEntityTooLargeException", "Request body is larger than 1 MiB."}
)

func errSerialization(msg string) *apiError {
	return &apiError{400, "SerializationException", msg}
}

// toAPIError maps a store or domain error to its wire form. Errors without
// a Secrets Manager code are internal and say nothing of their cause.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var se *secret.Error
	if errors.As(err, &se) {
		status := 400
		if se.Code == secret.CodeInternalService {
			status = 500
		}
		return &apiError{status, se.Code, se.Message}
	}
	return &apiError{500, secret.CodeInternalService, "An error occurred on the server side."}
}
