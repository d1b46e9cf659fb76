package secret

import (
	"crypto/rand"
	"strings"
)

// Limits that Secrets Manager enforces.
const (
	MaxNameLength        = 512
	MaxDescriptionLength = 2048
	MaxValueBytes        = 65536
	MaxTags              = 50
	MaxTagKeyLength      = 128
	MaxTagValueLength    = 256
	MaxStagesPerVersion  = 20
	MaxStageLength       = 256
	MinTokenLength       = 32
	MaxTokenLength       = 64
	MaxDeprecated        = 100
	MinRecoveryDays      = 7
	MaxRecoveryDays      = 30
	DefaultRecoveryDays  = 30
	arnSuffixLength      = 6
)

// ValidateName checks a secret name: 1 to 512 characters, each a letter, a
// digit or one of /_+=.@-.
func ValidateName(name string) error {
	if name == "" {
		return Errorf(CodeInvalidParameter, "Invalid name. The name must be between 1 and %d characters long.", MaxNameLength)
	}
	if len(name) > MaxNameLength {
		return Errorf(CodeInvalidParameter, "Invalid name. The name must be between 1 and %d characters long.", MaxNameLength)
	}
	for i := 0; i < len(name); i++ {
		if !nameByte(name[i]) {
			return Errorf(CodeInvalidParameter, "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
		}
	}
	return nil
}

func nameByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("/_+=.@-", c) >= 0
}

// ARN is the parsed form of a Secrets Manager secret ARN:
// arn:<partition>:secretsmanager:<region>:<account>:secret:<name>[-<suffix>].
// Resource is everything after "secret:", which is the name followed by a
// hyphen and six random characters in a full ARN, and the bare name in a
// partial one.
type ARN struct {
	Partition string
	Region    string
	Account   string
	Resource  string
}

func (a ARN) String() string {
	return "arn:" + a.Partition + ":secretsmanager:" + a.Region + ":" + a.Account + ":secret:" + a.Resource
}

// ParseARN parses a secret ARN, full or partial. It does not decide which
// one it is: only the store knows whether Resource is a name or a name with
// its suffix.
func ParseARN(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "secretsmanager" || parts[5] != "secret" {
		return ARN{}, Errorf(CodeInvalidParameter, "Invalid ARN: expected arn:<partition>:secretsmanager:<region>:<account>:secret:<name>.")
	}
	a := ARN{Partition: parts[1], Region: parts[3], Account: parts[4], Resource: parts[6]}
	if a.Partition == "" || a.Region == "" || a.Account == "" {
		return ARN{}, Errorf(CodeInvalidParameter, "Invalid ARN: the partition, region and account must not be empty.")
	}
	if err := ValidateName(a.Resource); err != nil {
		return ARN{}, Errorf(CodeInvalidParameter, "Invalid ARN: the secret name part is not a valid secret name.")
	}
	return a, nil
}

// IsARN reports whether a SecretId is written as an ARN rather than a name.
func IsARN(id string) bool { return strings.HasPrefix(id, "arn:") }

// NameFromFullARN returns the name inside a full ARN's resource, that is,
// the resource without its "-XXXXXX" suffix, and false when the resource is
// too short to carry one.
func NameFromFullARN(resource string) (string, bool) {
	n := len(resource) - arnSuffixLength - 1
	if n < 1 || resource[n] != '-' {
		return "", false
	}
	return resource[:n], true
}

const suffixAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// NewARN returns the ARN of a new secret: its name followed by a hyphen and
// six random letters and digits, as Secrets Manager makes them.
func NewARN(partition, region, account, name string) ARN {
	var b [arnSuffixLength]byte
	var buf [arnSuffixLength * 2]byte
	i := 0
	for i < arnSuffixLength {
		if _, err := rand.Read(buf[:]); err != nil {
			panic("secret: crypto/rand failed: " + err.Error())
		}
		for _, c := range buf {
			// 62 characters; 248 = 4*62 keeps the draw uniform.
			if c < 248 && i < arnSuffixLength {
				b[i] = suffixAlphabet[c%62]
				i++
			}
		}
	}
	return ARN{Partition: partition, Region: region, Account: account, Resource: name + "-" + string(b[:])}
}
