package awsstore

import (
	"encoding/base64"
	"errors"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/dbwarden/dbwarden/internal/secret"
)

// codes maps the error codes Secrets Manager and the AWS front end answer
// with to secret's codes. Codes not listed become InternalServiceError.
var codes = map[string]string{
	secret.CodeResourceNotFound:  secret.CodeResourceNotFound,
	secret.CodeResourceExists:    secret.CodeResourceExists,
	secret.CodeInvalidRequest:    secret.CodeInvalidRequest,
	secret.CodeInvalidParameter:  secret.CodeInvalidParameter,
	secret.CodeLimitExceeded:     secret.CodeLimitExceeded,
	secret.CodeEncryptionFailure: secret.CodeEncryptionFailure,
	secret.CodeDecryptionFailure: secret.CodeDecryptionFailure,
	secret.CodeInternalService:   secret.CodeInternalService,
	secret.CodeInvalidNextToken:  secret.CodeInvalidNextToken,
	secret.CodeAccessDenied:      secret.CodeAccessDenied,

	// A request that breaks a constraint of the API model, a policy
	// document Secrets Manager can't parse or one that grants public
	// access: the caller's input is at fault.
	"ValidationException":              secret.CodeInvalidParameter,
	"SerializationException":           secret.CodeInvalidParameter,
	"MalformedPolicyDocumentException": secret.CodeInvalidParameter,
	"PublicPolicyException":            secret.CodeInvalidParameter,
	"PreconditionNotMetException":      secret.CodeInvalidRequest,

	// dbwarden's own AWS credentials are refused.
	"AccessDenied":                secret.CodeAccessDenied,
	"UnrecognizedClientException": secret.CodeAccessDenied,
	"InvalidClientTokenId":        secret.CodeAccessDenied,
	"InvalidSignatureException":   secret.CodeAccessDenied,
	"SignatureDoesNotMatch":       secret.CodeAccessDenied,
	"IncompleteSignature":         secret.CodeAccessDenied,
	"MissingAuthenticationToken":  secret.CodeAccessDenied,
	"ExpiredTokenException":       secret.CodeAccessDenied,
}

// minRedacted is the shortest value removed from error text: a shorter
// one can't be told apart from the words of the message itself.
const minRedacted = 4

// apiError turns the error of the Secrets Manager operation op into a
// *secret.Error. values are the secret values the request carried; they
// are removed from any text that AWS sends back.
func apiError(op string, err error, values ...string) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, known := codes[ae.ErrorCode()]
		msg := ae.ErrorMessage()
		if !known {
			code = secret.CodeInternalService
			msg = "AWS Secrets Manager answered " + op + " with " + ae.ErrorCode() + ": " + msg
		} else if msg == "" {
			msg = ae.ErrorCode()
		}
		// The cause is not kept: its text repeats AWS's message, which
		// this function is the only place to clean.
		return &secret.Error{Code: code, Message: redact(msg, values)}
	}
	// No answer from Secrets Manager: a network failure, a cancelled
	// context, credentials that could not be loaded. None of these texts
	// holds the request body.
	return &secret.Error{
		Code:    secret.CodeInternalService,
		Message: "The AWS Secrets Manager call " + op + " failed: " + redact(err.Error(), values),
		Err:     err,
	}
}

// redact removes every value of at least minRedacted bytes from msg.
func redact(msg string, values []string) string {
	for _, v := range values {
		if len(v) >= minRedacted {
			msg = strings.ReplaceAll(msg, v, "[REDACTED]")
		}
	}
	return msg
}

// valuesOf lists the forms a request's value can take in error text: the
// string itself, or the binary value raw and base64-encoded as it travels.
func valuesOf(str *string, bin []byte) []string {
	var vs []string
	if str != nil {
		vs = append(vs, *str)
	}
	if bin != nil {
		vs = append(vs, string(bin), base64.StdEncoding.EncodeToString(bin))
	}
	return vs
}
