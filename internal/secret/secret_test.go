package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// stagesOf renders the secret's versions, oldest first, with their labels
// sorted: "v1=[AWSPREVIOUS] v2=[AWSCURRENT]". A deprecated version shows
// as "v1=[]".
func stagesOf(s *Secret) string {
	var parts []string
	for _, v := range s.Versions {
		l := slices.Clone(v.Stages)
		slices.Sort(l)
		parts = append(parts, v.ID+"=["+strings.Join(l, " ")+"]")
	}
	return strings.Join(parts, " ")
}

// add calls AddVersion and fails the test on error.
func add(t *testing.T, s *Secret, id string, stages ...string) *Version {
	t.Helper()
	v, err := s.AddVersion(id, stages, t0)
	if err != nil {
		t.Fatalf("AddVersion(%s, %v): got %v, want nil", id, stages, err)
	}
	return v
}

// wantStages fails the test unless the secret's labels are as rendered.
func wantStages(t *testing.T, s *Secret, want string) {
	t.Helper()
	if got := stagesOf(s); got != want {
		t.Fatalf("stages: got %s, want %s", got, want)
	}
}

// rotated returns a secret with versions v1 (AWSPREVIOUS) and v2 (AWSCURRENT).
func rotated(t *testing.T) *Secret {
	t.Helper()
	s := &Secret{Name: "app"}
	add(t, s, "v1")
	add(t, s, "v2")
	wantStages(t, s, "v1=[AWSPREVIOUS] v2=[AWSCURRENT]")
	return s
}

func TestAddVersion(t *testing.T) {
	t.Run("the first version is AWSCURRENT when no label is given", func(t *testing.T) {
		s := &Secret{}
		v := add(t, s, "v1")
		wantStages(t, s, "v1=[AWSCURRENT]")
		if !v.CreatedDate.Equal(t0) {
			t.Fatalf("created: got %v, want %v", v.CreatedDate, t0)
		}
	})

	t.Run("the first version is AWSCURRENT even when given only other labels", func(t *testing.T) {
		s := &Secret{}
		add(t, s, "v1", StagePending)
		wantStages(t, s, "v1=[AWSCURRENT AWSPENDING]")
	})

	t.Run("moving AWSCURRENT moves AWSPREVIOUS to the version that held it", func(t *testing.T) {
		s := rotated(t)
		add(t, s, "v3")
		wantStages(t, s, "v1=[] v2=[AWSPREVIOUS] v3=[AWSCURRENT]")
		if !s.Version("v1").Deprecated() {
			t.Fatal("v1: got not deprecated, want deprecated")
		}
	})

	t.Run("a pending version leaves AWSCURRENT and AWSPREVIOUS where they are", func(t *testing.T) {
		s := rotated(t)
		add(t, s, "v3", StagePending)
		wantStages(t, s, "v1=[AWSPREVIOUS] v2=[AWSCURRENT] v3=[AWSPENDING]")
	})

	t.Run("a custom label moves from the version that held it", func(t *testing.T) {
		s := &Secret{}
		add(t, s, "v1", StageCurrent, "blue")
		add(t, s, "v2", "blue")
		wantStages(t, s, "v1=[AWSCURRENT] v2=[blue]")
	})

	t.Run("AWSCURRENT and a custom label move together", func(t *testing.T) {
		s := &Secret{}
		add(t, s, "v1", StageCurrent, "blue")
		add(t, s, "v2", StageCurrent, "blue")
		wantStages(t, s, "v1=[AWSPREVIOUS] v2=[AWSCURRENT blue]")
	})

	t.Run("a label repeated in the request is attached once", func(t *testing.T) {
		s := &Secret{}
		add(t, s, "v1", StageCurrent, StageCurrent, "x", "x")
		wantStages(t, s, "v1=[AWSCURRENT x]")
		if n := len(s.Version("v1").Stages); n != 2 {
			t.Fatalf("labels: got %d, want 2", n)
		}
	})

	t.Run("the caller's label slice is not modified", func(t *testing.T) {
		s := &Secret{}
		in := make([]string, 1, 4)
		in[0] = StagePending
		add(t, s, "v1", in...)
		if len(in) != 1 || in[0] != StagePending || in[:2][1] != "" {
			t.Fatalf("input: got %q (backing %q), want [AWSPENDING]", in, in[:2])
		}
	})

	errs := []struct {
		name   string
		id     string
		stages []string
		code   string
	}{
		{"a repeated version id is rejected with ResourceExistsException", "v2", nil, CodeResourceExists},
		{"an empty label is rejected", "v3", []string{""}, CodeInvalidParameter},
		{"a label of 257 characters is rejected", "v3", []string{strings.Repeat("l", MaxStageLength+1)}, CodeInvalidParameter},
		{"more than 20 labels are rejected with LimitExceededException", "v3", manyLabels(MaxStagesPerVersion + 1), CodeLimitExceeded},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			s := rotated(t)
			v, err := s.AddVersion(tc.id, tc.stages, t0)
			wantCode(t, err, tc.code)
			if v != nil {
				t.Fatalf("version: got %+v, want nil", v)
			}
			wantStages(t, s, "v1=[AWSPREVIOUS] v2=[AWSCURRENT]")
		})
	}

	t.Run("a label of 256 characters and 20 labels are accepted", func(t *testing.T) {
		s := rotated(t)
		add(t, s, "v3", strings.Repeat("l", MaxStageLength))
		add(t, s, "v4", manyLabels(MaxStagesPerVersion)...)
		if n := len(s.Version("v4").Stages); n != MaxStagesPerVersion {
			t.Fatalf("labels: got %d, want %d", n, MaxStagesPerVersion)
		}
	})
}

func manyLabels(n int) []string {
	l := make([]string, n)
	for i := range l {
		l[i] = fmt.Sprintf("label-%02d", i)
	}
	return l
}

func TestUpdateStage(t *testing.T) {
	t.Run("moving AWSCURRENT to a pending version makes the old one AWSPREVIOUS", func(t *testing.T) {
		s := rotated(t)
		add(t, s, "v3", StagePending)
		if err := s.UpdateStage(StageCurrent, "v2", "v3"); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		wantStages(t, s, "v1=[] v2=[AWSPREVIOUS] v3=[AWSCURRENT AWSPENDING]")
	})

	t.Run("moving AWSCURRENT back to AWSPREVIOUS rolls back and swaps the two", func(t *testing.T) {
		s := rotated(t)
		if err := s.UpdateStage(StageCurrent, "v2", "v1"); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		wantStages(t, s, "v1=[AWSCURRENT] v2=[AWSPREVIOUS]")
	})

	t.Run("moving AWSCURRENT to a deprecated version revives it", func(t *testing.T) {
		s := rotated(t)
		add(t, s, "v3")
		if err := s.UpdateStage(StageCurrent, "v3", "v1"); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		wantStages(t, s, "v1=[AWSCURRENT] v2=[] v3=[AWSPREVIOUS]")
	})

	t.Run("a custom label not attached anywhere needs only MoveToVersionId", func(t *testing.T) {
		s := rotated(t)
		if err := s.UpdateStage("blue", "", "v1"); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		wantStages(t, s, "v1=[AWSPREVIOUS blue] v2=[AWSCURRENT]")
	})

	t.Run("a custom label moves when RemoveFromVersionId names its holder", func(t *testing.T) {
		s := rotated(t)
		add(t, s, "v3", "blue")
		if err := s.UpdateStage("blue", "v3", "v1"); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		wantStages(t, s, "v1=[AWSPREVIOUS blue] v2=[AWSCURRENT] v3=[]")
	})

	t.Run("removing a custom label with only RemoveFromVersionId detaches it", func(t *testing.T) {
		s := rotated(t)
		add(t, s, "v3", "blue")
		if err := s.UpdateStage("blue", "v3", ""); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		wantStages(t, s, "v1=[AWSPREVIOUS] v2=[AWSCURRENT] v3=[]")
	})

	t.Run("moving a label to the version that holds it is a no-op", func(t *testing.T) {
		s := rotated(t)
		for range 2 {
			if err := s.UpdateStage(StageCurrent, "", "v2"); err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			wantStages(t, s, "v1=[AWSPREVIOUS] v2=[AWSCURRENT]")
		}
	})

	errs := []struct {
		name                    string
		label, removeFrom, move string
		code                    string
	}{
		{"moving AWSCURRENT without naming its holder is rejected", StageCurrent, "", "v1", CodeInvalidParameter},
		{"removing AWSCURRENT without moving it is rejected", StageCurrent, "v2", "", CodeInvalidParameter},
		{"naming neither version is rejected", "blue", "", "", CodeInvalidParameter},
		{"an unknown MoveToVersionId is not found", "blue", "", "v9", CodeResourceNotFound},
		{"an unknown RemoveFromVersionId is not found", "blue", "v9", "v1", CodeResourceNotFound},
		{"removing a label from a version that lacks it is rejected", StagePrevious, "v2", "v2", CodeInvalidParameter},
		{"moving AWSPREVIOUS without naming its holder is rejected", StagePrevious, "", "v2", CodeInvalidParameter},
		{"an empty label is rejected", "", "", "v1", CodeInvalidParameter},
		{"a label of 257 characters is rejected", strings.Repeat("l", MaxStageLength+1), "", "v1", CodeInvalidParameter},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			s := rotated(t)
			wantCode(t, s.UpdateStage(tc.label, tc.removeFrom, tc.move), tc.code)
			wantStages(t, s, "v1=[AWSPREVIOUS] v2=[AWSCURRENT]")
		})
	}

	t.Run("a 21st label on one version is rejected with LimitExceededException", func(t *testing.T) {
		s := &Secret{}
		add(t, s, "v1", append(manyLabels(MaxStagesPerVersion-1), StageCurrent)...)
		add(t, s, "v2", StagePending)
		before := stagesOf(s)
		wantCode(t, s.UpdateStage("one-more", "", "v1"), CodeLimitExceeded)
		wantStages(t, s, before)
	})
}

func TestPruneDeprecated(t *testing.T) {
	// history returns a secret with n+2 versions d1..dn deprecated, then
	// AWSPREVIOUS and AWSCURRENT.
	history := func(t *testing.T, n int) *Secret {
		t.Helper()
		s := &Secret{}
		for i := 1; i <= n+2; i++ {
			add(t, s, fmt.Sprintf("d%d", i))
		}
		s.Version(fmt.Sprintf("d%d", n+1)).ID = "prev"
		s.Version(fmt.Sprintf("d%d", n+2)).ID = "cur"
		return s
	}

	t.Run("the oldest deprecated versions beyond keep are removed, oldest first", func(t *testing.T) {
		s := history(t, 5)
		got := s.PruneDeprecated(2)
		if want := []string{"d1", "d2", "d3"}; !slices.Equal(got, want) {
			t.Fatalf("removed: got %q, want %q", got, want)
		}
		wantStages(t, s, "d4=[] d5=[] prev=[AWSPREVIOUS] cur=[AWSCURRENT]")
	})

	t.Run("nothing is removed while deprecated versions are within keep", func(t *testing.T) {
		s := history(t, 3)
		if got := s.PruneDeprecated(3); got != nil {
			t.Fatalf("removed: got %q, want none", got)
		}
		if n := len(s.Versions); n != 5 {
			t.Fatalf("versions: got %d, want 5", n)
		}
	})

	t.Run("labelled versions are never removed, even with keep 0", func(t *testing.T) {
		s := history(t, 2)
		add(t, s, "pending", StagePending)
		got := s.PruneDeprecated(0)
		if want := []string{"d1", "d2"}; !slices.Equal(got, want) {
			t.Fatalf("removed: got %q, want %q", got, want)
		}
		wantStages(t, s, "prev=[AWSPREVIOUS] cur=[AWSCURRENT] pending=[AWSPENDING]")
	})

	t.Run("a second prune with the same keep removes nothing", func(t *testing.T) {
		s := history(t, 4)
		s.PruneDeprecated(1)
		if got := s.PruneDeprecated(1); got != nil {
			t.Fatalf("removed: got %q, want none", got)
		}
	})
}

func TestResolve(t *testing.T) {
	s := rotated(t)
	add(t, s, "v3", StagePending)
	add(t, s, "v0", "old")
	if err := s.UpdateStage("old", "v0", ""); err != nil { // v0 is now deprecated
		t.Fatal(err)
	}

	found := []struct {
		name             string
		versionID, stage string
		want             string
	}{
		{"neither id nor stage reads AWSCURRENT", "", "", "v2"},
		{"a stage reads the version that holds it", "", StagePrevious, "v1"},
		{"AWSPENDING reads the pending version", "", StagePending, "v3"},
		{"an id reads that version", "v1", "", "v1"},
		{"an id and a stage that agree read that version", "v2", StageCurrent, "v2"},
		{"a deprecated version is readable by id", "v0", "", "v0"},
	}
	for _, tc := range found {
		t.Run(tc.name, func(t *testing.T) {
			v, err := s.Resolve(tc.versionID, tc.stage)
			if err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if v.ID != tc.want {
				t.Fatalf("got version %s, want %s", v.ID, tc.want)
			}
		})
	}

	failing := []struct {
		name             string
		versionID, stage string
		code             string
	}{
		{"an unknown id is not found", "v9", "", CodeResourceNotFound},
		{"an unknown stage is not found", "", "green", CodeResourceNotFound},
		{"an id and a stage that disagree are rejected", "v1", StageCurrent, CodeInvalidParameter},
		{"an unknown id with a stage is not found", "v9", StageCurrent, CodeResourceNotFound},
	}
	for _, tc := range failing {
		t.Run(tc.name, func(t *testing.T) {
			v, err := s.Resolve(tc.versionID, tc.stage)
			wantCode(t, err, tc.code)
			if v != nil {
				t.Fatalf("version: got %s, want nil", v.ID)
			}
		})
	}

	t.Run("a secret without versions has no AWSCURRENT", func(t *testing.T) {
		_, err := (&Secret{}).Resolve("", "")
		wantCode(t, err, CodeResourceNotFound)
	})

	t.Run("a secret is deleted exactly when DeletedDate is set", func(t *testing.T) {
		d := &Secret{}
		if d.Deleted() {
			t.Fatal("got deleted, want not deleted")
		}
		d.DeletedDate = t0
		if !d.Deleted() {
			t.Fatal("got not deleted, want deleted")
		}
	})
}

func TestValidateTags(t *testing.T) {
	ok := []struct {
		name string
		tags []Tag
	}{
		{"no tags are valid", nil},
		{"an empty value is valid", []Tag{{Key: "env"}}},
		{"a key of 128 and a value of 256 characters are valid", []Tag{{Key: strings.Repeat("k", MaxTagKeyLength), Value: strings.Repeat("v", MaxTagValueLength)}}},
		{"a key containing aws: after its start is valid", []Tag{{Key: "team:aws:x", Value: "y"}}},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			if err := ValidateTags(tc.tags); err != nil {
				t.Fatalf("got %v, want nil", err)
			}
		})
	}
	bad := []struct {
		name string
		tags []Tag
	}{
		{"an empty key is rejected", []Tag{{Key: "", Value: "x"}}},
		{"a key of 129 characters is rejected", []Tag{{Key: strings.Repeat("k", MaxTagKeyLength+1)}}},
		{"a value of 257 characters is rejected", []Tag{{Key: "k", Value: strings.Repeat("v", MaxTagValueLength+1)}}},
		{"a key starting with aws: is reserved", []Tag{{Key: "aws:cloudformation:stack-name", Value: "x"}}},
		{"one bad tag among good ones is rejected", []Tag{{Key: "a"}, {Key: ""}, {Key: "b"}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, ValidateTags(tc.tags), CodeInvalidParameter)
		})
	}
}

func TestMergeTags(t *testing.T) {
	t.Run("a new key is appended and a known key has its value replaced", func(t *testing.T) {
		have := []Tag{{"env", "dev"}, {"team", "db"}}
		got, err := MergeTags(have, []Tag{{"env", "prod"}, {"owner", "ana"}})
		if err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		want := []Tag{{"env", "prod"}, {"team", "db"}, {"owner", "ana"}}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		if have[0].Value != "dev" {
			t.Fatalf("the input tags changed: got %v, want env=dev first", have)
		}
	})

	t.Run("reaching 50 tags is allowed and passing it is LimitExceededException", func(t *testing.T) {
		var have []Tag
		for i := range MaxTags - 1 {
			have = append(have, Tag{Key: fmt.Sprintf("k%02d", i)})
		}
		full, err := MergeTags(have, []Tag{{Key: "k49"}})
		if err != nil || len(full) != MaxTags {
			t.Fatalf("50th tag: got %d tags, %v; want %d, nil", len(full), err, MaxTags)
		}
		if _, err := MergeTags(full, []Tag{{Key: "k00", Value: "replaced"}}); err != nil {
			t.Fatalf("replacing in a full set: got %v, want nil", err)
		}
		got, err := MergeTags(full, []Tag{{Key: "k50"}})
		wantCode(t, err, CodeLimitExceeded)
		if got != nil {
			t.Fatalf("tags: got %d, want nil", len(got))
		}
	})

	t.Run("an invalid added tag is rejected", func(t *testing.T) {
		_, err := MergeTags(nil, []Tag{{Key: "aws:x"}})
		wantCode(t, err, CodeInvalidParameter)
	})
}

func TestRemoveTags(t *testing.T) {
	have := []Tag{{"env", "dev"}, {"team", "db"}, {"owner", "ana"}}
	got := RemoveTags(have, []string{"team", "absent"})
	if want := []Tag{{"env", "dev"}, {"owner", "ana"}}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if want := []Tag{{"env", "dev"}, {"team", "db"}, {"owner", "ana"}}; !slices.Equal(have, want) {
		t.Fatalf("the input tags changed: got %v, want %v", have, want)
	}
	if got := RemoveTags(have, nil); len(got) != 3 {
		t.Fatalf("removing no keys: got %d tags, want 3", len(got))
	}
}

func TestValueValidate(t *testing.T) {
	cases := []struct {
		name string
		v    Value
		code string
	}{
		{"a one-byte string is valid", StringValue("x"), ""},
		{"a string of 65536 bytes is valid", StringValue(strings.Repeat("x", MaxValueBytes)), ""},
		{"a binary of 65536 bytes is valid", BinaryValue(make([]byte, MaxValueBytes)), ""},
		{"an empty string is rejected", StringValue(""), CodeInvalidParameter},
		{"an empty binary is rejected", BinaryValue(nil), CodeInvalidParameter},
		{"a string of 65537 bytes is rejected", StringValue(strings.Repeat("x", MaxValueBytes+1)), CodeInvalidParameter},
		{"a binary of 65537 bytes is rejected", BinaryValue(make([]byte, MaxValueBytes+1)), CodeInvalidParameter},
		{"a multi-byte string is measured in bytes", StringValue(strings.Repeat("é", MaxValueBytes/2) + "x"), CodeInvalidParameter},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Code(tc.v.Validate()); got != tc.code {
				t.Fatalf("code: got %q, want %q", got, tc.code)
			}
		})
	}
}

func TestValueEqual(t *testing.T) {
	cases := []struct {
		name string
		a, b Value
		want bool
	}{
		{"equal strings are equal", StringValue("s3cr3t"), StringValue("s3cr3t"), true},
		{"equal binaries are equal", BinaryValue([]byte{0, 1, 2}), BinaryValue([]byte{0, 1, 2}), true},
		{"strings differing in one byte differ", StringValue("s3cr3t"), StringValue("s3cr3u"), false},
		{"a string and its prefix differ", StringValue("s3cr3t"), StringValue("s3cr3"), false},
		{"a string and a binary with the same bytes differ", StringValue("abc"), BinaryValue([]byte("abc")), false},
		{"binaries differing in one byte differ", BinaryValue([]byte{0, 1, 2}), BinaryValue([]byte{0, 1, 3}), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Equal(tc.b); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if got := tc.b.Equal(tc.a); got != tc.want {
				t.Fatalf("reversed: got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValueEncoding(t *testing.T) {
	t.Run("a string encodes as s followed by its bytes", func(t *testing.T) {
		if got, want := StringValue("pw"), []byte("spw"); !bytes.Equal(got.Encode(), want) {
			t.Fatal("encoding: mismatch")
		}
	})
	t.Run("a binary encodes as b followed by its bytes", func(t *testing.T) {
		if got, want := BinaryValue([]byte{0, 0xff}), []byte{'b', 0, 0xff}; !bytes.Equal(got.Encode(), want) {
			t.Fatal("encoding: mismatch")
		}
	})

	roundTrip := []struct {
		name string
		v    Value
	}{
		{"a string survives encode and decode", StringValue(`{"username":"app","password":"p@ss"}`)},
		{"a binary with every byte value survives encode and decode", BinaryValue(allBytes())},
		{"an empty string survives encode and decode", StringValue("")},
		{"a string with invalid UTF-8 survives encode and decode", StringValue("\xff\xfe")},
	}
	for _, tc := range roundTrip {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeValue(tc.v.Encode())
			if err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if !got.Equal(tc.v) {
				t.Fatalf("decoded value (%d bytes, binary %v): mismatch with the original (binary %v)", len(got.Encode())-1, got.IsBinary, tc.v.IsBinary)
			}
		})
	}

	t.Run("a decoded binary does not alias the plaintext buffer", func(t *testing.T) {
		p := []byte("bkey")
		v, err := DecodeValue(p)
		if err != nil {
			t.Fatal(err)
		}
		p[1] = 'X'
		if !bytes.Equal(v.Binary, []byte("key")) {
			t.Fatal("value changed with the buffer it was decoded from")
		}
	})

	for _, tc := range []struct{ name, p string }{
		{"an empty plaintext does not decode", ""},
		{"an unknown kind byte does not decode", "xabc"},
		{"an upper-case kind byte does not decode", "Sabc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := DecodeValue([]byte(tc.p))
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			if !v.Equal(Value{}) || v.IsBinary {
				t.Fatal("got a non-zero value with the error, want the zero value")
			}
			if strings.Contains(err.Error(), "abc") {
				t.Fatal("the error holds the plaintext")
			}
		})
	}
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestValueRedaction(t *testing.T) {
	const canary = "hunter2-canary-7f3a"
	values := []struct {
		name string
		v    Value
	}{
		{"string", StringValue(canary)},
		{"binary", BinaryValue([]byte(canary))},
	}
	// wantHidden fails the test when out shows the canary in any common
	// encoding of it.
	wantHidden := func(t *testing.T, what, out string) {
		t.Helper()
		for _, enc := range []string{canary, fmt.Sprintf("%x", canary), fmt.Sprintf("%v", []byte(canary)), "104 117 110"} {
			if strings.Contains(out, enc) {
				t.Fatalf("%s: the output shows the value (%d bytes of output)", what, len(out))
			}
		}
		if !strings.Contains(out, "REDACTED") {
			t.Fatalf("%s: got output without REDACTED, want the redaction marker", what)
		}
	}

	for _, val := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
			t.Run(fmt.Sprintf("a %s value prints redacted with %s", val.name, verb), func(t *testing.T) {
				v := val.v
				wantHidden(t, "value", fmt.Sprintf(verb, v))
				wantHidden(t, "pointer", fmt.Sprintf(verb, &v))
				wantHidden(t, "slice", fmt.Sprintf(verb, []Value{v}))
				wantHidden(t, "map", fmt.Sprintf(verb, map[string]Value{"k": v}))
				wantHidden(t, "exported field", fmt.Sprintf(verb, struct{ V Value }{v}))
				wantHidden(t, "wrapped error", fmt.Errorf("put: %v", v).Error())
			})
		}
		t.Run(fmt.Sprintf("a %s value prints redacted with Print and Println", val.name), func(t *testing.T) {
			wantHidden(t, "Sprint", fmt.Sprint(val.v))
			wantHidden(t, "Sprintln", fmt.Sprintln("value", val.v))
		})

		t.Run(fmt.Sprintf("a %s value logs redacted through slog", val.name), func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, nil))
			v := val.v
			log.Info("read secret", "value", v)
			log.Info("read secret", slog.Any("ptr", &v))
			log.Info("read secret", slog.Group("req", slog.Any("value", v)))
			log.With("value", v).Info("with attrs")
			out := buf.String()
			wantHidden(t, "JSON handler", out)
			if n := strings.Count(out, "[REDACTED]"); n != 4 {
				t.Fatalf("JSON handler: got %d redaction markers, want 4", n)
			}
			for line := range strings.Lines(out) {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("JSON handler wrote a line that is not JSON: %v", err)
				}
			}

			buf.Reset()
			slog.New(slog.NewTextHandler(&buf, nil)).Info("read secret", "value", v)
			wantHidden(t, "text handler", buf.String())
		})
	}
}

func TestValueNeverMarshalsToJSON(t *testing.T) {
	const canary = "json-must-not-carry-this"
	for _, v := range []Value{StringValue(canary), BinaryValue([]byte(canary))} {
		b, err := json.Marshal(struct{ V Value }{v})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(canary)) || !bytes.Contains(b, []byte("[REDACTED]")) {
			t.Fatalf("JSON of a struct holding a Value: %d bytes, redacted %v; want only [REDACTED]", len(b), bytes.Contains(b, []byte("[REDACTED]")))
		}
	}
}

func TestFirstVersionLabelLimitCountsAWSCURRENT(t *testing.T) {
	var labels []string
	for i := range MaxStagesPerVersion {
		labels = append(labels, fmt.Sprintf("L%d", i))
	}
	s := &Secret{}
	_, err := s.AddVersion("v1", labels, t0)
	if Code(err) != CodeLimitExceeded {
		t.Fatalf("20 custom labels on a first version: got %v, want LimitExceededException", err)
	}
	if len(s.Versions) != 0 {
		t.Fatalf("a refused version was added")
	}
	if _, err := s.AddVersion("v1", labels[:MaxStagesPerVersion-1], t0); err != nil {
		t.Fatalf("19 custom labels and AWSCURRENT: got %v", err)
	}
}
