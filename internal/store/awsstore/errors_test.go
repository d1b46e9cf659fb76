package awsstore

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/dbwarden/dbwarden/internal/secret"
)

func TestAPIErrorCodes(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&types.ResourceNotFoundException{Message: new("Secrets Manager can't find the specified secret.")}, secret.CodeResourceNotFound},
		{&types.ResourceExistsException{}, secret.CodeResourceExists},
		{&types.InvalidRequestException{}, secret.CodeInvalidRequest},
		{&types.InvalidParameterException{}, secret.CodeInvalidParameter},
		{&types.LimitExceededException{}, secret.CodeLimitExceeded},
		{&types.EncryptionFailure{}, secret.CodeEncryptionFailure},
		{&types.DecryptionFailure{}, secret.CodeDecryptionFailure},
		{&types.InternalServiceError{}, secret.CodeInternalService},
		{&types.InvalidNextTokenException{}, secret.CodeInvalidNextToken},
		{&types.MalformedPolicyDocumentException{}, secret.CodeInvalidParameter},
		{&types.PublicPolicyException{}, secret.CodeInvalidParameter},
		{&types.PreconditionNotMetException{}, secret.CodeInvalidRequest},
		{&smithy.GenericAPIError{Code: "ValidationException", Message: "1 validation error detected"}, secret.CodeInvalidParameter},
		{&smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}, secret.CodeAccessDenied},
		{&smithy.GenericAPIError{Code: "UnrecognizedClientException"}, secret.CodeAccessDenied},
		{&smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}, secret.CodeInternalService},
		// The SDK wraps API errors in an OperationError.
		{&smithy.OperationError{ServiceID: "Secrets Manager", OperationName: "GetSecretValue", Err: &types.ResourceNotFoundException{}}, secret.CodeResourceNotFound},
	}
	for _, c := range cases {
		got := apiError("GetSecretValue", c.err)
		if secret.Code(got) != c.want {
			t.Errorf("%T %v: got %v, want %s", c.err, c.err, got, c.want)
		}
	}
}

func TestAPIErrorMessages(t *testing.T) {
	t.Run("a code dbwarden does not know is named in the message", func(t *testing.T) {
		err := apiError("PutSecretValue", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"})
		if msg := err.Error(); !strings.Contains(msg, "ThrottlingException") || !strings.Contains(msg, "PutSecretValue") || !strings.Contains(msg, "Rate exceeded") {
			t.Fatalf("got %q, want the operation, the code and AWS's message", msg)
		}
	})
	t.Run("a known code keeps AWS's message as it is", func(t *testing.T) {
		const msg = "You can't perform this operation on the secret because it was marked for deletion."
		err := apiError("GetSecretValue", &types.InvalidRequestException{Message: new(msg)})
		var se *secret.Error
		if !errors.As(err, &se) || se.Message != msg {
			t.Fatalf("got %v, want message %q", err, msg)
		}
	})
	t.Run("a value echoed by AWS is removed from the error", func(t *testing.T) {
		const value = "hunter2-but-longer"
		bin := []byte("binary-secret-bytes")
		b64 := base64.StdEncoding.EncodeToString(bin)
		for _, echoed := range []string{value, string(bin), b64} {
			aws := &smithy.GenericAPIError{Code: "InvalidParameterException", Message: fmt.Sprintf("bad value %s here", echoed)}
			err := apiError("PutSecretValue", aws, valuesOf(new(value), bin)...)
			if strings.Contains(err.Error(), echoed) || !strings.Contains(err.Error(), "[REDACTED]") {
				t.Errorf("an echoed value of %d bytes was not redacted", len(echoed))
			}
		}
		netErr := fmt.Errorf("dial: %s", value)
		if err := apiError("PutSecretValue", netErr, value); strings.Contains(err.Error(), value) {
			t.Error("a value in a network error's text was not redacted")
		}
	})
}
