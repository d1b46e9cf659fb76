package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// The test vectors of docs/audit-chain.md, computed from the specification
// by an independent implementation (the Python snippet on that page), not
// by this package.
var (
	vector1 = Record{
		Seq:       1,
		Time:      time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC),
		Principal: "cli:root",
		Action:    "secretsmanager:GetSecretValue",
		Resource:  "arn:aws:secretsmanager:us-east-1:000000000000:secret:db/prod-AbCdEf",
		VersionID: "3f0c9a8e-5b7d-4e21-9c64-0d2a1b7e8f90",
		Outcome:   OutcomeSuccess,
		RequestID: "req-0001",
		SourceIP:  "192.0.2.10",
		PrevHash:  ZeroHash,
		Hash:      "8b5fc00c4634b5c8b4a26192ec5a4772615ba508d486bf48f286a9a3a3681a89",
	}
	vector1Canonical = "00000011646277617264656e2d61756469742d763100000001310000001b323032342d" +
		"30352d30365430373a30383a30392e3132333435365a00000008636c693a726f6f7400" +
		"00001d736563726574736d616e616765723a47657453656372657456616c7565000000" +
		"4361726e3a6177733a736563726574736d616e616765723a75732d656173742d313a30" +
		"30303030303030303030303a7365637265743a64622f70726f642d4162436445660000" +
		"002433663063396138652d356237642d346532312d396336342d306432613162376538" +
		"663930000000077375636365737300000000000000087265712d303030310000000a31" +
		"39322e302e322e31300000004030303030303030303030303030303030303030303030" +
		"3030303030303030303030303030303030303030303030303030303030303030303030" +
		"30303030303030"
	vector2 = Record{
		Seq:       2,
		Time:      time.Date(2024, 5, 6, 7, 8, 10, 0, time.UTC),
		Principal: "arn:aws:iam::000000000000:user/ops",
		Action:    "secretsmanager:PutSecretValue",
		Resource:  "arn:aws:secretsmanager:us-east-1:000000000000:secret:db/prod-AbCdEf",
		Outcome:   OutcomeFailure,
		ErrorCode: "ResourceNotFoundException",
		RequestID: "req-0002",
		PrevHash:  "8b5fc00c4634b5c8b4a26192ec5a4772615ba508d486bf48f286a9a3a3681a89",
		Hash:      "5b34d265dc4fa6c702693da336795df5a8121bcab26e44b82a1ad5ef9edc9b8b",
	}
	vector2JSON = `{"seq":2,"time":"2024-05-06T07:08:10Z","principal":"arn:aws:iam::000000000000:user/ops",` +
		`"action":"secretsmanager:PutSecretValue","resource":"arn:aws:secretsmanager:us-east-1:000000000000:secret:db/prod-AbCdEf",` +
		`"version_id":"","outcome":"failure","error_code":"ResourceNotFoundException","request_id":"req-0002","source_ip":"",` +
		`"prev_hash":"8b5fc00c4634b5c8b4a26192ec5a4772615ba508d486bf48f286a9a3a3681a89",` +
		`"hash":"5b34d265dc4fa6c702693da336795df5a8121bcab26e44b82a1ad5ef9edc9b8b"}`
)

func TestCanonical(t *testing.T) {
	t.Run("the documented test vector encodes and hashes to the documented values", func(t *testing.T) {
		if got := hex.EncodeToString(vector1.Canonical()); got != vector1Canonical {
			t.Errorf("canonical:\n got %s\nwant %s", got, vector1Canonical)
		}
		for _, v := range []Record{vector1, vector2} {
			got, err := v.ComputeHash()
			if err != nil {
				t.Fatalf("record %d: compute hash: %v", v.Seq, err)
			}
			if got != v.Hash {
				t.Errorf("record %d hash: got %s, want %s", v.Seq, got, v.Hash)
			}
		}
	})

	t.Run("moving bytes from one field to the next changes the encoding", func(t *testing.T) {
		a, b := vector1, vector1
		a.Principal, a.Action = "ab", "c"
		b.Principal, b.Action = "a", "bc"
		if bytes.Equal(a.Canonical(), b.Canonical()) {
			t.Errorf("canonical: got equal encodings, want different")
		}
	})

	t.Run("the time is encoded in UTC whatever its location", func(t *testing.T) {
		r := vector1
		r.Time = r.Time.In(time.FixedZone("UTC+5", 5*3600))
		if !bytes.Equal(r.Canonical(), vector1.Canonical()) {
			t.Errorf("canonical of the same instant in another zone: got different, want equal")
		}
	})

	t.Run("every field but hash is covered by the hash", func(t *testing.T) {
		edits := map[string]func(*Record){
			"seq":        func(r *Record) { r.Seq++ },
			"time":       func(r *Record) { r.Time = r.Time.Add(time.Microsecond) },
			"principal":  func(r *Record) { r.Principal += "x" },
			"action":     func(r *Record) { r.Action += "x" },
			"resource":   func(r *Record) { r.Resource += "x" },
			"version_id": func(r *Record) { r.VersionID += "x" },
			"outcome":    func(r *Record) { r.Outcome = OutcomeFailure },
			"error_code": func(r *Record) { r.ErrorCode += "x" },
			"request_id": func(r *Record) { r.RequestID += "x" },
			"source_ip":  func(r *Record) { r.SourceIP += "x" },
			"prev_hash":  func(r *Record) { r.PrevHash = strings.Repeat("1", 64) },
		}
		for name, edit := range edits {
			r := vector1
			edit(&r)
			got, err := r.ComputeHash()
			if err != nil {
				t.Fatalf("%s: compute hash: %v", name, err)
			}
			if got == vector1.Hash {
				t.Errorf("%s edited: got the original hash, want a different one", name)
			}
		}
		r := vector1
		r.Hash = ""
		if got, _ := r.ComputeHash(); got != vector1.Hash {
			t.Errorf("hash field cleared: got %s, want %s", got, vector1.Hash)
		}
	})

	t.Run("a malformed prev hash cannot be hashed", func(t *testing.T) {
		for _, prev := range []string{"", "00", strings.ToUpper(vector2.PrevHash), strings.Repeat("g", 64)} {
			r := vector1
			r.PrevHash = prev
			if _, err := r.ComputeHash(); !errors.Is(err, ErrInvalidRecord) {
				t.Errorf("prev hash of %d characters: got error %v, want ErrInvalidRecord", len(prev), err)
			}
		}
	})
}

func TestJSON(t *testing.T) {
	t.Run("a record encodes with snake_case names in a fixed order and UTC RFC 3339 time", func(t *testing.T) {
		got, err := vector2.MarshalJSON()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if string(got) != vector2JSON {
			t.Errorf("json:\n got %s\nwant %s", got, vector2JSON)
		}
	})

	t.Run("encoding then decoding gives the same record", func(t *testing.T) {
		for _, v := range []Record{vector1, vector2} {
			b, err := v.MarshalJSON()
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			got, err := DecodeRecord(b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !sameRecord(got, v) {
				t.Errorf("record %d: got %+v, want %+v", v.Seq, got, v)
			}
		}
	})

	t.Run("a decoded record's time is in UTC", func(t *testing.T) {
		got, err := DecodeRecord([]byte(vector2JSON))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if got.Time.Location() != time.UTC {
			t.Errorf("location: got %v, want UTC", got.Time.Location())
		}
	})

	t.Run("trailing white space is accepted", func(t *testing.T) {
		if _, err := DecodeRecord([]byte(vector2JSON + " \r\n")); err != nil {
			t.Errorf("decode: got %v, want no error", err)
		}
	})

	rejects := map[string]string{
		"an unknown field":          `{"seq":2,"extra":"",` + vector2JSON[len(`{"seq":2,`):],
		"a field in other case":     strings.Replace(vector2JSON, `"seq"`, `"Seq"`, 1),
		"a missing field":           strings.Replace(vector2JSON, `"source_ip":"",`, ``, 1),
		"a missing seq":             `{` + vector2JSON[len(`{"seq":2,`):],
		"a field twice":             strings.Replace(vector2JSON, `"source_ip":"",`, `"source_ip":"","source_ip":"",`, 1),
		"a null field":              strings.Replace(vector2JSON, `"source_ip":""`, `"source_ip":null`, 1),
		"a number as a string":      strings.Replace(vector2JSON, `"source_ip":""`, `"source_ip":7`, 1),
		"seq as a string":           strings.Replace(vector2JSON, `"seq":2`, `"seq":"2"`, 1),
		"seq zero":                  strings.Replace(vector2JSON, `"seq":2`, `"seq":0`, 1),
		"a negative seq":            strings.Replace(vector2JSON, `"seq":2`, `"seq":-2`, 1),
		"a fractional seq":          strings.Replace(vector2JSON, `"seq":2`, `"seq":2.0`, 1),
		"an exponent seq":           strings.Replace(vector2JSON, `"seq":2`, `"seq":2e0`, 1),
		"a seq beyond int64":        strings.Replace(vector2JSON, `"seq":2`, `"seq":9223372036854775808`, 1),
		"a time with an offset":     strings.Replace(vector2JSON, `10Z"`, `10+00:00"`, 1),
		"a time finer than a µs":    strings.Replace(vector2JSON, `10Z"`, `10.0000001Z"`, 1),
		"a time that is not a time": strings.Replace(vector2JSON, `2024-05-06T07:08:10Z`, `yesterday`, 1),
		"an uppercase hash":         strings.Replace(vector2JSON, vector2.Hash, strings.ToUpper(vector2.Hash), 1),
		"a short hash":              strings.Replace(vector2JSON, vector2.Hash, vector2.Hash[:62], 1),
		"a long prev hash":          strings.Replace(vector2JSON, vector2.PrevHash, vector2.PrevHash+"00", 1),
		"a non-hex prev hash":       strings.Replace(vector2JSON, vector2.PrevHash, "z"+vector2.PrevHash[1:], 1),
		"an unknown outcome":        strings.Replace(vector2JSON, `"failure"`, `"maybe"`, 1),
		"an empty action":           strings.Replace(vector2JSON, `"secretsmanager:PutSecretValue"`, `""`, 1),
		"a NUL in a field":          strings.Replace(vector2JSON, `"req-0002"`, `"req\u0000"`, 1),
		"invalid UTF-8":             strings.Replace(vector2JSON, `"req-0002"`, "\"req\xff\"", 1),
		"a second record after it":  vector2JSON + vector2JSON,
		"data after it":             vector2JSON + ",",
		"an array":                  `[` + vector2JSON + `]`,
		"an empty line":             ``,
		"a truncated object":        vector2JSON[:len(vector2JSON)-1],
	}
	for name, line := range rejects {
		t.Run("a line with "+name+" is rejected", func(t *testing.T) {
			_, err := DecodeRecord([]byte(line))
			if !errors.Is(err, ErrInvalidRecord) {
				t.Errorf("decode: got error %v, want ErrInvalidRecord", err)
			}
		})
	}

	t.Run("a decode error names the field but not its contents", func(t *testing.T) {
		const marker = "cli:do-not-echo"
		line := strings.Replace(vector2JSON, `"outcome":"failure"`, `"outcome":"`+marker+`"`, 1)
		_, err := DecodeRecord([]byte(line))
		if err == nil {
			t.Fatalf("decode: got no error, want one")
		}
		if strings.Contains(err.Error(), marker) {
			t.Errorf("error message holds the field's contents")
		}
		if !strings.Contains(err.Error(), "outcome") {
			t.Errorf("error message %q: does not name the field outcome", err)
		}
	})
}

func TestCaller(t *testing.T) {
	t.Run("a context without a caller gives the zero caller", func(t *testing.T) {
		if got := CallerFrom(context.Background()); got != (Caller{}) {
			t.Errorf("caller: got %+v, want zero", got)
		}
	})
	t.Run("the caller set on a context is returned, the innermost winning", func(t *testing.T) {
		outer := Caller{Principal: "cli:root", RequestID: "r1", SourceIP: "192.0.2.1"}
		inner := Caller{Principal: "arn:aws:iam::000000000000:user/ops", RequestID: "r2"}
		ctx := WithCaller(context.Background(), outer)
		if got := CallerFrom(ctx); got != outer {
			t.Errorf("caller: got %+v, want %+v", got, outer)
		}
		if got := CallerFrom(WithCaller(ctx, inner)); got != inner {
			t.Errorf("caller: got %+v, want %+v", got, inner)
		}
	})
}
