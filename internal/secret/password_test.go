package secret

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func boolPtr(b bool) *bool { return &b }

// classOf names the character class of an ASCII byte as the tests see it.
func classOf(c byte) string {
	switch {
	case 'a' <= c && c <= 'z':
		return "lowercase"
	case 'A' <= c && c <= 'Z':
		return "uppercase"
	case '0' <= c && c <= '9':
		return "digit"
	case c == ' ':
		return "space"
	case 0x21 <= c && c <= 0x7e:
		return "punctuation"
	}
	return "other"
}

// generate calls GeneratePassword and fails the test on error.
func generate(t testing.TB, spec PasswordSpec) string {
	t.Helper()
	pw, err := GeneratePassword(spec)
	if err != nil {
		t.Fatalf("GeneratePassword: got error %v, want nil", err)
	}
	return pw
}

// assertOnly fails unless every character of pw is in allowed. It reports the
// offending class, never the password.
func assertOnly(t *testing.T, pw, allowed string) {
	t.Helper()
	for i := 0; i < len(pw); i++ {
		if strings.IndexByte(allowed, pw[i]) < 0 {
			t.Fatalf("password holds a %s character outside the allowed set of %d characters", classOf(pw[i]), len(allowed))
		}
	}
}

// classesIn returns the set of classes present in pw.
func classesIn(pw string) map[string]bool {
	got := map[string]bool{}
	for i := 0; i < len(pw); i++ {
		got[classOf(pw[i])] = true
	}
	return got
}

func assertClasses(t *testing.T, pw string, want ...string) {
	t.Helper()
	got := classesIn(pw)
	for _, class := range want {
		if !got[class] {
			t.Fatalf("password of length %d: got no %s character, want at least one", len(pw), class)
		}
	}
}

func TestPunctuation(t *testing.T) {
	var want []byte
	for c := byte(0x21); c <= 0x7e; c++ {
		if classOf(c) == "punctuation" {
			want = append(want, c)
		}
	}
	if Punctuation != string(want) {
		t.Fatalf("Punctuation: got %q, want %q", Punctuation, want)
	}
}

func TestDefaultPasswordSpec(t *testing.T) {
	spec := DefaultPasswordSpec()
	if spec.Length != 32 {
		t.Errorf("Length: got %d, want 32", spec.Length)
	}
	if spec.RequireEachIncludedType == nil || !*spec.RequireEachIncludedType {
		t.Errorf("RequireEachIncludedType: got %v, want pointer to true", spec.RequireEachIncludedType)
	}
	spec.Length, spec.RequireEachIncludedType = 0, nil
	if spec != (PasswordSpec{}) {
		t.Errorf("other fields: got %+v, want zero values", spec)
	}
	if a, b := DefaultPasswordSpec(), DefaultPasswordSpec(); a.RequireEachIncludedType == b.RequireEachIncludedType {
		t.Errorf("two calls share one RequireEachIncludedType pointer, want a fresh one each")
	}
}

func TestGeneratePassword(t *testing.T) {
	full := lowercase + uppercase + digits + Punctuation

	t.Run("the default spec gives 32 characters from the full set with every class", func(t *testing.T) {
		for range 500 {
			pw := generate(t, DefaultPasswordSpec())
			if len(pw) != 32 {
				t.Fatalf("length: got %d, want 32", len(pw))
			}
			assertOnly(t, pw, full)
			assertClasses(t, pw, "lowercase", "uppercase", "digit", "punctuation")
		}
	})

	t.Run("the zero spec behaves as the default spec", func(t *testing.T) {
		for range 500 {
			pw := generate(t, PasswordSpec{})
			if len(pw) != 32 {
				t.Fatalf("length: got %d, want 32", len(pw))
			}
			assertOnly(t, pw, full)
			assertClasses(t, pw, "lowercase", "uppercase", "digit", "punctuation")
		}
	})

	t.Run("successive passwords differ", func(t *testing.T) {
		first, second := generate(t, PasswordSpec{}), generate(t, PasswordSpec{})
		if first == second {
			t.Fatalf("two default passwords are equal, want different")
		}
	})

	t.Run("Length sets the password length", func(t *testing.T) {
		for _, n := range []int{1, 4, 5, 31, 33, 100, 4096} {
			spec := PasswordSpec{Length: n, RequireEachIncludedType: boolPtr(n >= 4)}
			if got := len(generate(t, spec)); got != n {
				t.Fatalf("length: got %d, want %d", got, n)
			}
		}
	})

	exclusions := []struct {
		name    string
		spec    PasswordSpec
		allowed string
		classes []string
	}{
		{"ExcludeLowercase leaves out lowercase letters", PasswordSpec{ExcludeLowercase: true},
			uppercase + digits + Punctuation, []string{"uppercase", "digit", "punctuation"}},
		{"ExcludeUppercase leaves out uppercase letters", PasswordSpec{ExcludeUppercase: true},
			lowercase + digits + Punctuation, []string{"lowercase", "digit", "punctuation"}},
		{"ExcludeNumbers leaves out digits", PasswordSpec{ExcludeNumbers: true},
			lowercase + uppercase + Punctuation, []string{"lowercase", "uppercase", "punctuation"}},
		{"ExcludePunctuation leaves out punctuation", PasswordSpec{ExcludePunctuation: true},
			lowercase + uppercase + digits, []string{"lowercase", "uppercase", "digit"}},
		{"ExcludePunctuation also leaves out OverrideSpecial", PasswordSpec{ExcludePunctuation: true, OverrideSpecial: "!#"},
			lowercase + uppercase + digits, []string{"lowercase", "uppercase", "digit"}},
		{"IncludeSpace adds the space", PasswordSpec{IncludeSpace: true, Length: 200},
			full + " ", []string{"lowercase", "uppercase", "digit", "punctuation"}},
	}
	for _, tc := range exclusions {
		t.Run(tc.name, func(t *testing.T) {
			for range 300 {
				pw := generate(t, tc.spec)
				assertOnly(t, pw, tc.allowed)
				assertClasses(t, pw, tc.classes...)
			}
		})
	}

	t.Run("IncludeSpace lets the space appear", func(t *testing.T) {
		// Alphabet "0 ": 64 characters without a space have probability 2^-64.
		spec := PasswordSpec{Length: 64, IncludeSpace: true, ExcludeLowercase: true, ExcludeUppercase: true,
			ExcludePunctuation: true, ExcludeCharacters: "123456789"}
		pw := generate(t, spec)
		assertOnly(t, pw, "0 ")
		assertClasses(t, pw, "space", "digit")
	})

	t.Run("the space is never a required class", func(t *testing.T) {
		spec := PasswordSpec{Length: 4, IncludeSpace: true}
		for range 300 {
			assertClasses(t, generate(t, spec), "lowercase", "uppercase", "digit", "punctuation")
		}
		onlySpace := PasswordSpec{Length: 5, IncludeSpace: true, ExcludeLowercase: true, ExcludeUppercase: true,
			ExcludeNumbers: true, ExcludePunctuation: true}
		if pw := generate(t, onlySpace); pw != "     " {
			t.Fatalf("space-only alphabet: got %d characters with classes %v, want 5 spaces", len(pw), classesIn(pw))
		}
	})

	t.Run("ExcludeCharacters is honoured", func(t *testing.T) {
		exclude := "abcdefghijklmnopqrstuvwxyABCDEFGHIJKLMNOPQRSTUVWXY012345678!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}é"
		spec := PasswordSpec{Length: 64, ExcludeCharacters: exclude, IncludeSpace: true}
		seen := map[byte]bool{}
		for range 300 {
			pw := generate(t, spec)
			assertOnly(t, pw, "zZ9~ ")
			assertClasses(t, pw, "lowercase", "uppercase", "digit", "punctuation")
			for i := 0; i < len(pw); i++ {
				seen[pw[i]] = true
			}
		}
		if len(seen) != 5 {
			t.Fatalf("distinct characters over 300 passwords: got %d, want 5", len(seen))
		}
	})

	t.Run("a class whose characters are all excluded is not required", func(t *testing.T) {
		spec := PasswordSpec{Length: 3, ExcludeCharacters: digits}
		for range 300 {
			pw := generate(t, spec)
			assertOnly(t, pw, lowercase+uppercase+Punctuation)
			assertClasses(t, pw, "lowercase", "uppercase", "punctuation")
		}
	})

	t.Run("RequireEachIncludedType puts every class in the shortest password", func(t *testing.T) {
		spec := PasswordSpec{Length: 4, RequireEachIncludedType: boolPtr(true)}
		for range 1000 {
			assertClasses(t, generate(t, spec), "lowercase", "uppercase", "digit", "punctuation")
		}
	})

	t.Run("RequireEachIncludedType false allows passwords missing a class", func(t *testing.T) {
		// Alphabet "a0", length 2: a single-class password has probability 1/2.
		spec := PasswordSpec{Length: 2, RequireEachIncludedType: boolPtr(false), ExcludeUppercase: true,
			ExcludePunctuation: true, ExcludeCharacters: lowercase[1:] + digits[1:]}
		for range 200 {
			pw := generate(t, spec)
			assertOnly(t, pw, "a0")
			if len(classesIn(pw)) == 1 {
				return
			}
		}
		t.Fatalf("200 passwords over \"a0\": got every one with both classes, want some with one")
	})

	t.Run("OverrideSpecial gives only its own special characters", func(t *testing.T) {
		const special = "!#$%&*()-_=+[]{}<>:?"
		spec := PasswordSpec{OverrideSpecial: special}
		seen := map[byte]bool{}
		for range 1000 {
			pw := generate(t, spec)
			assertOnly(t, pw, lowercase+uppercase+digits+special)
			assertClasses(t, pw, "lowercase", "uppercase", "digit", "punctuation")
			for i := 0; i < len(pw); i++ {
				if classOf(pw[i]) == "punctuation" {
					seen[pw[i]] = true
				}
			}
		}
		if len(seen) != len(special) {
			t.Fatalf("distinct special characters over 1000 passwords: got %d, want %d", len(seen), len(special))
		}
	})

	t.Run("OverrideSpecial combines with ExcludeCharacters", func(t *testing.T) {
		spec := PasswordSpec{OverrideSpecial: "!#$", ExcludeCharacters: "#"}
		for range 300 {
			pw := generate(t, spec)
			assertOnly(t, pw, lowercase+uppercase+digits+"!$")
			assertClasses(t, pw, "punctuation")
		}
	})
}

func TestPasswordSpecValidate(t *testing.T) {
	everything := PasswordSpec{ExcludeLowercase: true, ExcludeUppercase: true, ExcludeNumbers: true, ExcludePunctuation: true}
	invalid := []struct {
		name  string
		spec  PasswordSpec
		param string
	}{
		{"a negative length is rejected", PasswordSpec{Length: -1}, "PasswordLength"},
		{"a length above 4096 is rejected", PasswordSpec{Length: 4097}, "PasswordLength"},
		{"ExcludeCharacters longer than 4096 characters is rejected",
			PasswordSpec{ExcludeCharacters: strings.Repeat("é", 4097)}, "ExcludeCharacters"},
		{"OverrideSpecial with a letter is rejected", PasswordSpec{OverrideSpecial: "!a"}, "OverrideSpecial"},
		{"OverrideSpecial with a space is rejected", PasswordSpec{OverrideSpecial: "! "}, "OverrideSpecial"},
		{"OverrideSpecial with a non-ASCII character is rejected", PasswordSpec{OverrideSpecial: "!é"}, "OverrideSpecial"},
		{"excluding every class is rejected", everything, "Exclude"},
		{"excluding every character is rejected",
			PasswordSpec{ExcludeCharacters: lowercase + uppercase + digits + Punctuation}, "ExcludeCharacters"},
		{"excluding every OverrideSpecial character and the other classes is rejected",
			PasswordSpec{ExcludeLowercase: true, ExcludeUppercase: true, ExcludeNumbers: true,
				OverrideSpecial: "!#", ExcludeCharacters: "#!"}, "ExcludeCharacters"},
		{"a length shorter than the required classes is rejected", PasswordSpec{Length: 3}, "PasswordLength"},
		{"the space does not make a short length valid", PasswordSpec{Length: 3, IncludeSpace: true}, "RequireEachIncludedType"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate()
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate: got %v, want an *Error", err)
			}
			if e.Code != CodeInvalidParameter {
				t.Fatalf("code: got %q, want %q", e.Code, CodeInvalidParameter)
			}
			if !strings.Contains(e.Message, tc.param) {
				t.Fatalf("message: got %q, want it to name %s", e.Message, tc.param)
			}
			pw, err := GeneratePassword(tc.spec)
			if !IsCode(err, CodeInvalidParameter) {
				t.Fatalf("GeneratePassword: got error %v, want %s", err, CodeInvalidParameter)
			}
			if pw != "" {
				t.Fatalf("GeneratePassword: got a password of length %d with the error, want none", len(pw))
			}
		})
	}

	valid := []struct {
		name string
		spec PasswordSpec
	}{
		{"the zero spec is valid", PasswordSpec{}},
		{"the default spec is valid", DefaultPasswordSpec()},
		{"a length of 4096 is valid", PasswordSpec{Length: 4096}},
		{"a length of 1 is valid without RequireEachIncludedType", PasswordSpec{Length: 1, RequireEachIncludedType: boolPtr(false)}},
		{"a length equal to the required classes is valid", PasswordSpec{Length: 2, ExcludeNumbers: true, ExcludePunctuation: true}},
		{"ExcludeCharacters of 4096 characters is valid", PasswordSpec{ExcludeCharacters: strings.Repeat("é", 4096)}},
		{"OverrideSpecial with repeats is valid", PasswordSpec{OverrideSpecial: "!!!##"}},
		{"only the space left is valid", func() PasswordSpec { s := everything; s.IncludeSpace = true; return s }()},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.spec.Validate(); err != nil {
				t.Fatalf("Validate: got %v, want nil", err)
			}
		})
	}
}

// chiSquared returns Pearson's statistic for counts against equal expected
// frequencies.
func chiSquared(counts []int) float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	expected := float64(total) / float64(len(counts))
	var stat float64
	for _, c := range counts {
		d := float64(c) - expected
		stat += d * d / expected
	}
	return stat
}

// countChars generates passwords of length chunk until n characters are drawn
// and counts each character of alphabet; any other character fails the test.
func countChars(t *testing.T, spec PasswordSpec, alphabet string, n int) []int {
	t.Helper()
	counts := make([]int, len(alphabet))
	for drawn := 0; drawn < n; {
		spec.Length = min(MaxPasswordLength, n-drawn)
		pw := generate(t, spec)
		for i := 0; i < len(pw); i++ {
			j := strings.IndexByte(alphabet, pw[i])
			if j < 0 {
				t.Fatalf("password holds a %s character outside the alphabet", classOf(pw[i]))
			}
			counts[j]++
		}
		drawn += len(pw)
	}
	return counts
}

// The critical values below are the chi-squared quantiles with upper tail
// probability 1e-6, so a correct generator fails each test once in a million
// runs. They were computed from the regularized upper incomplete gamma
// function Q(df/2, x/2) = 1e-6.
const (
	chi2Crit1e6DF1  = 23.928 // 1 degree of freedom
	chi2Crit1e6DF2  = 27.631 // 2 degrees of freedom
	chi2Crit1e6DF93 = 172.747
)

func TestPasswordUniformity(t *testing.T) {
	noRequire := boolPtr(false)

	t.Run("each character of the full set is equally likely", func(t *testing.T) {
		alphabet := lowercase + uppercase + digits + Punctuation // 94 characters, 93 degrees of freedom
		counts := countChars(t, PasswordSpec{RequireEachIncludedType: noRequire}, alphabet, 200_000)
		if stat := chiSquared(counts); stat >= chi2Crit1e6DF93 {
			t.Fatalf("chi-squared over 200000 characters: got %.2f, want below %.3f", stat, chi2Crit1e6DF93)
		}
	})

	t.Run("a three-character alphabet shows no modulo bias", func(t *testing.T) {
		// Reducing a random byte modulo 3 gives '7' with probability 86/256
		// and the others 85/256. Over 6e6 characters that makes the statistic
		// noncentral chi-squared with noncentrality 183, which stays below
		// the critical value with probability about 4e-17: a modulo-biased
		// generator fails this test, as the second half checks.
		const n = 6_000_000
		spec := PasswordSpec{RequireEachIncludedType: noRequire, ExcludeLowercase: true, ExcludeUppercase: true,
			ExcludePunctuation: true, ExcludeCharacters: "0123456"}
		counts := countChars(t, spec, "789", n)
		if stat := chiSquared(counts); stat >= chi2Crit1e6DF2 {
			t.Fatalf("chi-squared over %d characters: got %.2f, want below %.3f", n, stat, chi2Crit1e6DF2)
		}

		buf := make([]byte, n)
		if _, err := rand.Read(buf); err != nil {
			t.Fatalf("rand.Read: %v", err)
		}
		biased := make([]int, 3)
		for _, b := range buf {
			biased[b%3]++
		}
		if stat := chiSquared(biased); stat < chi2Crit1e6DF2 {
			t.Fatalf("chi-squared of a byte%%3 generator: got %.2f, want at least %.3f (the test lacks power)", stat, chi2Crit1e6DF2)
		}
	})

	t.Run("a repeated OverrideSpecial character is not favoured", func(t *testing.T) {
		const n = 200_000
		spec := PasswordSpec{RequireEachIncludedType: noRequire, ExcludeLowercase: true, ExcludeUppercase: true,
			ExcludeNumbers: true, OverrideSpecial: "!!!!!!!#"}
		counts := countChars(t, spec, "!#", n)
		if stat := chiSquared(counts); stat >= chi2Crit1e6DF1 {
			t.Fatalf("chi-squared over %d characters: got %.2f, want below %.3f", n, stat, chi2Crit1e6DF1)
		}
	})
}

// refAllowed says, independently of the implementation, whether spec allows c.
func refAllowed(spec PasswordSpec, c byte) bool {
	if strings.IndexByte(spec.ExcludeCharacters, c) >= 0 {
		return false
	}
	switch classOf(c) {
	case "lowercase":
		return !spec.ExcludeLowercase
	case "uppercase":
		return !spec.ExcludeUppercase
	case "digit":
		return !spec.ExcludeNumbers
	case "space":
		return spec.IncludeSpace
	case "punctuation":
		if spec.ExcludePunctuation {
			return false
		}
		return spec.OverrideSpecial == "" || strings.IndexByte(spec.OverrideSpecial, c) >= 0
	}
	return false
}

func FuzzGeneratePassword(f *testing.F) {
	f.Add(0, "", uint8(0), uint8(0), "")
	f.Add(32, "", uint8(0), uint8(1), "!#$%&*()-_=+[]{}<>:?")
	f.Add(4, "abc", uint8(0b10000), uint8(1), "")
	f.Add(3, "", uint8(0), uint8(0), "")
	f.Add(1, "0123456789", uint8(0b01111), uint8(2), "")
	f.Add(4097, "", uint8(0), uint8(0), "")
	f.Add(-5, "é", uint8(0b11111), uint8(0), "a")
	f.Fuzz(func(t *testing.T, length int, exclude string, flags, require uint8, override string) {
		spec := PasswordSpec{
			Length:             length,
			ExcludeCharacters:  exclude,
			ExcludeNumbers:     flags&1 != 0,
			ExcludePunctuation: flags&2 != 0,
			ExcludeUppercase:   flags&4 != 0,
			ExcludeLowercase:   flags&8 != 0,
			IncludeSpace:       flags&16 != 0,
			OverrideSpecial:    override,
		}
		switch require {
		case 0:
		case 1:
			spec.RequireEachIncludedType = boolPtr(true)
		default:
			spec.RequireEachIncludedType = boolPtr(false)
		}

		wantLen := length
		if wantLen == 0 {
			wantLen = 32
		}
		var allowed []byte
		for c := byte(0x20); c <= 0x7e; c++ {
			if refAllowed(spec, c) {
				allowed = append(allowed, c)
			}
		}
		var required []string
		if require <= 1 { // nil or true
			for _, class := range []string{"lowercase", "uppercase", "digit", "punctuation"} {
				for _, c := range allowed {
					if classOf(c) == class {
						required = append(required, class)
						break
					}
				}
			}
		}
		overrideOK := true
		for i := 0; i < len(override); i++ {
			if classOf(override[i]) != "punctuation" {
				overrideOK = false
			}
		}
		wantErr := wantLen < 1 || wantLen > 4096 || utf8.RuneCountInString(exclude) > 4096 || !overrideOK ||
			len(allowed) == 0 || wantLen < len(required)

		pw, err := GeneratePassword(spec)
		if verr := spec.Validate(); (verr == nil) != (err == nil) {
			t.Fatalf("Validate and GeneratePassword disagree: got %v and %v", verr, err)
		}
		if err != nil {
			if !wantErr {
				t.Fatalf("GeneratePassword: got error %v, want a password", err)
			}
			if !IsCode(err, CodeInvalidParameter) {
				t.Fatalf("GeneratePassword: got error %v, want %s", err, CodeInvalidParameter)
			}
			if pw != "" {
				t.Fatalf("GeneratePassword: got a password of length %d with the error, want none", len(pw))
			}
			return
		}
		if wantErr {
			t.Fatalf("GeneratePassword: got a password, want an error")
		}
		if len(pw) != wantLen {
			t.Fatalf("length: got %d, want %d", len(pw), wantLen)
		}
		for i := 0; i < len(pw); i++ {
			if !refAllowed(spec, pw[i]) {
				t.Fatalf("password holds a %s character the spec does not allow", classOf(pw[i]))
			}
		}
		got := classesIn(pw)
		for _, class := range required {
			if !got[class] {
				t.Fatalf("password of length %d: got no %s character, want at least one", len(pw), class)
			}
		}
	})
}

func BenchmarkGeneratePassword(b *testing.B) {
	for _, bc := range []struct {
		name string
		spec PasswordSpec
	}{
		{"default", DefaultPasswordSpec()},
		{"length4", PasswordSpec{Length: 4}},
		{"length4096", PasswordSpec{Length: 4096}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := GeneratePassword(bc.spec); err != nil {
					b.Fatalf("GeneratePassword: got error %v, want nil", err)
				}
			}
		})
	}
}
