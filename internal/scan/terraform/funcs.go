package terraform

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// maxFileSize bounds what file() and templatefile() read.
const maxFileSize = 4 << 20

// baseFuncs are the functions that do not depend on the module directory.
var baseFuncs = map[string]function.Function{
	"abs":          stdlib.AbsoluteFunc,
	"alltrue":      allTrueFunc,
	"anytrue":      anyTrueFunc,
	"base64decode": base64DecodeFunc,
	"base64encode": stringFunc(func(s string) (string, error) { return base64.StdEncoding.EncodeToString([]byte(s)), nil }),
	"base64sha256": stringFunc(func(s string) (string, error) {
		h := sha256.Sum256([]byte(s))
		return base64.StdEncoding.EncodeToString(h[:]), nil
	}),
	"base64sha512": stringFunc(func(s string) (string, error) {
		h := sha512.Sum512([]byte(s))
		return base64.StdEncoding.EncodeToString(h[:]), nil
	}),
	"basename":        stringFunc(func(s string) (string, error) { return filepath.Base(s), nil }),
	"bcrypt":          unknownStringFunc,
	"can":             tryfunc.CanFunc,
	"ceil":            stdlib.CeilFunc,
	"chomp":           stdlib.ChompFunc,
	"chunklist":       stdlib.ChunklistFunc,
	"cidrhost":        cidrHostFunc,
	"cidrnetmask":     cidrNetmaskFunc,
	"cidrsubnet":      cidrSubnetFunc,
	"coalesce":        stdlib.CoalesceFunc,
	"coalescelist":    stdlib.CoalesceListFunc,
	"compact":         stdlib.CompactFunc,
	"concat":          stdlib.ConcatFunc,
	"contains":        stdlib.ContainsFunc,
	"csvdecode":       stdlib.CSVDecodeFunc,
	"dirname":         stringFunc(func(s string) (string, error) { return filepath.Dir(s), nil }),
	"distinct":        stdlib.DistinctFunc,
	"element":         stdlib.ElementFunc,
	"endswith":        prefixFunc(strings.HasSuffix),
	"flatten":         stdlib.FlattenFunc,
	"floor":           stdlib.FloorFunc,
	"format":          stdlib.FormatFunc,
	"formatdate":      stdlib.FormatDateFunc,
	"formatlist":      stdlib.FormatListFunc,
	"indent":          stdlib.IndentFunc,
	"index":           stdlib.IndexFunc,
	"join":            stdlib.JoinFunc,
	"jsondecode":      stdlib.JSONDecodeFunc,
	"jsonencode":      stdlib.JSONEncodeFunc,
	"keys":            stdlib.KeysFunc,
	"length":          lengthFunc,
	"log":             stdlib.LogFunc,
	"lookup":          stdlib.LookupFunc,
	"lower":           stdlib.LowerFunc,
	"max":             stdlib.MaxFunc,
	"md5":             stringFunc(func(s string) (string, error) { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]), nil }),
	"merge":           stdlib.MergeFunc,
	"min":             stdlib.MinFunc,
	"nonsensitive":    nonsensitiveFunc,
	"one":             oneFunc,
	"parseint":        stdlib.ParseIntFunc,
	"plantimestamp":   unknownStringFunc,
	"pow":             stdlib.PowFunc,
	"range":           stdlib.RangeFunc,
	"regex":           stdlib.RegexFunc,
	"regexall":        stdlib.RegexAllFunc,
	"replace":         replaceFunc,
	"reverse":         stdlib.ReverseListFunc,
	"sensitive":       sensitiveFunc,
	"setintersection": stdlib.SetIntersectionFunc,
	"setproduct":      setProductFunc,
	"setsubtract":     stdlib.SetSubtractFunc,
	"setunion":        stdlib.SetUnionFunc,
	"sha1":            stringFunc(func(s string) (string, error) { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]), nil }),
	"sha256":          stringFunc(func(s string) (string, error) { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]), nil }),
	"sha512":          stringFunc(func(s string) (string, error) { h := sha512.Sum512([]byte(s)); return hex.EncodeToString(h[:]), nil }),
	"signum":          stdlib.SignumFunc,
	"slice":           stdlib.SliceFunc,
	"sort":            stdlib.SortFunc,
	"split":           stdlib.SplitFunc,
	"startswith":      prefixFunc(strings.HasPrefix),
	"strcontains":     prefixFunc(strings.Contains),
	"strrev":          stdlib.ReverseFunc,
	"substr":          stdlib.SubstrFunc,
	"sum":             sumFunc,
	"timeadd":         stdlib.TimeAddFunc,
	"timestamp":       unknownStringFunc,
	"title":           stdlib.TitleFunc,
	"tobool":          stdlib.MakeToFunc(cty.Bool),
	"tolist":          stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
	"tomap":           stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
	"tonumber":        stdlib.MakeToFunc(cty.Number),
	"toset":           stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
	"tostring":        stdlib.MakeToFunc(cty.String),
	"trim":            stdlib.TrimFunc,
	"trimprefix":      stdlib.TrimPrefixFunc,
	"trimspace":       stdlib.TrimSpaceFunc,
	"trimsuffix":      stdlib.TrimSuffixFunc,
	"try":             tryfunc.TryFunc,
	"upper":           stdlib.UpperFunc,
	"urlencode":       stringFunc(func(s string) (string, error) { return url.QueryEscape(s), nil }),
	"uuid":            unknownStringFunc,
	"uuidv5":          unknownStringFunc,
	"values":          stdlib.ValuesFunc,
	"yamldecode":      yamlDecodeFunc,
	"yamlencode":      yamlEncodeFunc,
	"zipmap":          stdlib.ZipmapFunc,
}

// functions returns the function table of a module directory: the base
// functions and the file functions reading relative to dir.
func (l *loader) functions(dir string) map[string]function.Function {
	fs := make(map[string]function.Function, len(baseFuncs)+4)
	for k, f := range baseFuncs {
		fs[k] = f
	}
	read := func(name string) ([]byte, error) { return l.readModuleFile(dir, name) }
	fs["file"] = stringFunc(func(name string) (string, error) {
		b, err := read(name)
		if err != nil {
			return "", err
		}
		if !utf8.Valid(b) {
			return "", fmt.Errorf("%s is not UTF-8", name)
		}
		return string(b), nil
	})
	fs["filebase64"] = stringFunc(func(name string) (string, error) {
		b, err := read(name)
		return base64.StdEncoding.EncodeToString(b), err
	})
	fs["fileexists"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			_, err := read(args[0].AsString())
			return cty.BoolVal(err == nil), nil
		},
	})
	fs["templatefile"] = templateFileFunc(read, fs)
	return fs
}

// readModuleFile reads a file named relative to the module directory (or
// to the working directory, as Terraform does), refusing anything outside
// the tree being scanned.
func (l *loader) readModuleFile(dir, name string) ([]byte, error) {
	for _, cand := range []string{filepath.Join(dir, name), name} {
		if filepath.IsAbs(name) && cand != name {
			continue
		}
		abs, err := realPath(cand)
		if err != nil || !l.inTree(abs) {
			continue
		}
		st, err := os.Stat(abs)
		if err != nil || !st.Mode().IsRegular() || st.Size() > maxFileSize {
			continue
		}
		l.p.AddEmbedded(abs)
		return os.ReadFile(abs)
	}
	return nil, fmt.Errorf("no readable file %s in the scanned tree", name)
}

// realPath is the absolute path with symbolic links resolved.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	return abs, nil
}

// inTree reports whether abs lies under root or under a module directory
// loaded from outside it.
func (l *loader) inTree(abs string) bool {
	for _, top := range append([]string{l.root}, l.outside...) {
		t, err := realPath(top)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(t, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// templateFileFunc renders a template file with the given variables and
// the module's functions (templatefile itself excluded).
func templateFileFunc(read func(string) ([]byte, error), fs map[string]function.Function) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
			{Name: "vars", Type: cty.DynamicPseudoType},
		},
		Type: function.StaticReturnType(cty.DynamicPseudoType),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			src, err := read(name)
			if err != nil {
				return cty.NilVal, err
			}
			expr, ds := hclsyntax.ParseTemplate(src, name, hcl.InitialPos)
			if ds.HasErrors() {
				return cty.NilVal, ds
			}
			vars := args[1]
			if !vars.IsKnown() || vars.IsNull() {
				return cty.DynamicVal, nil
			}
			ty := vars.Type()
			if !ty.IsObjectType() && !ty.IsMapType() {
				return cty.NilVal, fmt.Errorf("templatefile: vars must be a map or object")
			}
			ctx := &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: map[string]function.Function{}}
			for k, f := range fs {
				if k != "templatefile" {
					ctx.Functions[k] = f
				}
			}
			for it := vars.ElementIterator(); it.Next(); {
				k, v := it.Element()
				ctx.Variables[k.AsString()] = v
			}
			v, ds := expr.Value(ctx)
			if !vars.IsWhollyKnown() {
				// The text is only known when applied; what is known of
				// it is kept as its pattern, for rules that read scripts.
				if ds.HasErrors() || !v.Type().Equals(cty.String) {
					return cty.DynamicVal, nil
				}
				return annotate(v, expr, ctx, 0), nil
			}
			if ds.HasErrors() {
				return cty.NilVal, ds
			}
			return v, nil
		},
	})
}

// stringFunc makes a function of one string.
func stringFunc(f func(string) (string, error)) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "str", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			s, err := f(args[0].AsString())
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(s), nil
		},
	})
}

// prefixFunc makes startswith, endswith and strcontains.
func prefixFunc(f func(s, sub string) bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "sub", Type: cty.String}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.BoolVal(f(args[0].AsString(), args[1].AsString())), nil
		},
	})
}

// unknownStringFunc stands for functions whose result is only known when
// applied: uuid(), timestamp(), bcrypt().
var unknownStringFunc = function.New(&function.Spec{
	VarParam: &function.Parameter{Name: "args", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowNull: true, AllowDynamicType: true},
	Type:     function.StaticReturnType(cty.String),
	Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
		return cty.UnknownVal(cty.String), nil
	},
})

var base64DecodeFunc = stringFunc(func(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("base64decode: %w", err)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("base64decode: result is not UTF-8")
	}
	return string(b), nil
})

// lengthFunc is Terraform's length: strings, collections and structures.
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowUnknown: true}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty == cty.String || ty == cty.DynamicPseudoType || ty.IsCollectionType() || ty.IsTupleType() || ty.IsObjectType():
			return cty.Number, nil
		}
		return cty.NilType, fmt.Errorf("length of %s", ty.FriendlyName())
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v := args[0]
		ty := v.Type()
		switch {
		case ty == cty.DynamicPseudoType:
			return cty.UnknownVal(cty.Number), nil
		case ty.IsTupleType():
			return cty.NumberIntVal(int64(len(ty.TupleElementTypes()))), nil
		case ty.IsObjectType():
			return cty.NumberIntVal(int64(len(ty.AttributeTypes()))), nil
		case !v.IsKnown():
			return cty.UnknownVal(cty.Number), nil
		case ty == cty.String:
			return stdlib.Strlen(v)
		}
		return v.Length(), nil
	},
})

// replaceFunc is Terraform's replace: a substring, or a regular expression
// written between slashes.
var replaceFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "substr", Type: cty.String}, {Name: "replace", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		s, sub, rep := args[0].AsString(), args[1].AsString(), args[2].AsString()
		if len(sub) > 1 && sub[0] == '/' && sub[len(sub)-1] == '/' {
			re, err := regexp.Compile(sub[1 : len(sub)-1])
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(re.ReplaceAllString(s, rep)), nil
		}
		return cty.StringVal(strings.ReplaceAll(s, sub, rep)), nil
	},
})

var sensitiveFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowNull: true, AllowMarked: true, AllowDynamicType: true}},
	Type:   func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return args[0].Mark(sensitiveMark{}), nil
	},
})

var nonsensitiveFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowNull: true, AllowMarked: true, AllowDynamicType: true}},
	Type:   func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, marks := args[0].Unmark()
		delete(marks, sensitiveMark{})
		return v.WithMarks(marks), nil
	},
})

// oneFunc returns the only element of a list or set, or null when empty.
var oneFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty.IsListType() || ty.IsSetType():
			return ty.ElementType(), nil
		case ty.IsTupleType():
			if ets := ty.TupleElementTypes(); len(ets) == 1 {
				return ets[0], nil
			}
			return cty.DynamicPseudoType, nil
		}
		return cty.NilType, fmt.Errorf("one: want a list, set or tuple")
	},
	Impl: func(args []cty.Value, ret cty.Type) (cty.Value, error) {
		v := args[0]
		switch v.LengthInt() {
		case 0:
			return cty.NullVal(ret), nil
		case 1:
			it := v.ElementIterator()
			it.Next()
			_, e := it.Element()
			return e, nil
		}
		return cty.NilVal, fmt.Errorf("one: more than one element")
	},
})

func boolsFunc(all bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			for it := args[0].ElementIterator(); it.Next(); {
				_, e := it.Element()
				if !e.IsKnown() {
					return cty.UnknownVal(cty.Bool), nil
				}
				if e.IsNull() {
					continue
				}
				if e.True() != all {
					return cty.BoolVal(!all), nil
				}
			}
			return cty.BoolVal(all), nil
		},
	})
}

var (
	allTrueFunc = boolsFunc(true)
	anyTrueFunc = boolsFunc(false)
)

var sumFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Number)}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		total := cty.Zero
		for it := args[0].ElementIterator(); it.Next(); {
			_, e := it.Element()
			if !e.IsKnown() {
				return cty.UnknownVal(cty.Number), nil
			}
			if e.IsNull() {
				return cty.NilVal, fmt.Errorf("sum: null element")
			}
			total = total.Add(e)
		}
		return total, nil
	},
})

// maxProduct bounds setproduct's result.
const maxProduct = 100000

// setProductFunc is setproduct with a bound on the size of its result.
var setProductFunc = function.New(&function.Spec{
	VarParam: &function.Parameter{Name: "sets", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowDynamicType: true, AllowMarked: true, AllowNull: true},
	Type: func(args []cty.Value) (cty.Type, error) {
		return stdlib.SetProductFunc.ReturnTypeForValues(args)
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		n := 1
		for _, a := range args {
			a, _ = a.Unmark()
			if a.IsKnown() && !a.IsNull() && a.CanIterateElements() {
				n *= a.LengthInt()
				if n > maxProduct {
					return cty.NilVal, fmt.Errorf("setproduct: more than %d combinations", maxProduct)
				}
			}
		}
		return stdlib.SetProductFunc.Call(args)
	},
})

// cidrSubnetFunc is cidrsubnet(prefix, newbits, netnum).
var cidrSubnetFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "prefix", Type: cty.String}, {Name: "newbits", Type: cty.Number}, {Name: "netnum", Type: cty.Number}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		p, err := netip.ParsePrefix(args[0].AsString())
		if err != nil {
			return cty.NilVal, err
		}
		newbits, err := smallInt(args[1])
		if err != nil {
			return cty.NilVal, err
		}
		netnum, err := bigInt(args[2])
		if err != nil {
			return cty.NilVal, err
		}
		p = p.Masked()
		total := p.Addr().BitLen()
		bits := p.Bits() + newbits
		if newbits < 0 || bits > total {
			return cty.NilVal, fmt.Errorf("cidrsubnet: %d new bits do not fit in %s", newbits, p)
		}
		if netnum.Sign() < 0 || netnum.BitLen() > newbits {
			return cty.NilVal, fmt.Errorf("cidrsubnet: network number %s does not fit in %d bits", netnum, newbits)
		}
		base := new(big.Int).SetBytes(p.Addr().AsSlice())
		base.Or(base, new(big.Int).Lsh(netnum, uint(total-bits)))
		addr, err := addrFromInt(base, total)
		if err != nil {
			return cty.NilVal, err
		}
		return cty.StringVal(netip.PrefixFrom(addr, bits).String()), nil
	},
})

// cidrHostFunc is cidrhost(prefix, hostnum).
var cidrHostFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "prefix", Type: cty.String}, {Name: "hostnum", Type: cty.Number}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		p, err := netip.ParsePrefix(args[0].AsString())
		if err != nil {
			return cty.NilVal, err
		}
		host, err := bigInt(args[1])
		if err != nil {
			return cty.NilVal, err
		}
		p = p.Masked()
		total := p.Addr().BitLen()
		size := new(big.Int).Lsh(big.NewInt(1), uint(total-p.Bits()))
		if host.Sign() < 0 {
			host.Add(host, size)
		}
		if host.Sign() < 0 || host.Cmp(size) >= 0 {
			return cty.NilVal, fmt.Errorf("cidrhost: host number out of range for %s", p)
		}
		base := new(big.Int).SetBytes(p.Addr().AsSlice())
		base.Or(base, host)
		addr, err := addrFromInt(base, total)
		if err != nil {
			return cty.NilVal, err
		}
		return cty.StringVal(addr.String()), nil
	},
})

// cidrNetmaskFunc is cidrnetmask(prefix) for IPv4.
var cidrNetmaskFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "prefix", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		p, err := netip.ParsePrefix(args[0].AsString())
		if err != nil {
			return cty.NilVal, err
		}
		if !p.Addr().Is4() {
			return cty.NilVal, fmt.Errorf("cidrnetmask: only IPv4 prefixes have a netmask")
		}
		m := uint32(0xffffffff) << (32 - p.Bits())
		if p.Bits() == 0 {
			m = 0
		}
		return cty.StringVal(netip.AddrFrom4([4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)}).String()), nil
	},
})

func smallInt(v cty.Value) (int, error) {
	f := v.AsBigFloat()
	if !f.IsInt() {
		return 0, fmt.Errorf("%s is not a whole number", f)
	}
	i, acc := f.Int64()
	if acc != big.Exact || i > 128 || i < -128 {
		return 0, fmt.Errorf("%s is out of range", f)
	}
	return int(i), nil
}

func bigInt(v cty.Value) (*big.Int, error) {
	f := v.AsBigFloat()
	if !f.IsInt() {
		return nil, fmt.Errorf("%s is not a whole number", f)
	}
	i, _ := f.Int(nil)
	return i, nil
}

func addrFromInt(i *big.Int, bits int) (netip.Addr, error) {
	b := i.Bytes()
	n := bits / 8
	if len(b) > n {
		return netip.Addr{}, fmt.Errorf("address out of range")
	}
	buf := make([]byte, n)
	copy(buf[n-len(b):], b)
	a, ok := netip.AddrFromSlice(buf)
	if !ok {
		return netip.Addr{}, fmt.Errorf("bad address length")
	}
	return a, nil
}

// convertTo converts v to ty, reporting whether it could.
func convertTo(v cty.Value, ty cty.Type) (cty.Value, bool) {
	c, err := convert.Convert(v, ty)
	return c, err == nil
}
