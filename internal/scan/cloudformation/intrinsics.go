package cloudformation

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// pseudo are the pseudo parameters whose value is the same in every stack.
var pseudo = map[string]string{
	"AWS::Partition": "aws",
	"AWS::URLSuffix": "amazonaws.com",
}

// ref evaluates Ref: a parameter's value, a pseudo parameter, or a
// resource's physical id (Unknown, with the logical id in Refs).
func (e *evaluator) ref(at, arg *yaml.Node) (*scan.Value, error) {
	name, err := e.name("Ref", arg)
	if err != nil {
		return nil, err
	}
	return e.refName(at, name), nil
}

func (e *evaluator) refName(at *yaml.Node, name string) *scan.Value {
	if name == "AWS::NoValue" {
		return noValue
	}
	if strings.HasPrefix(name, "AWS::") {
		if s, ok := e.overrides[name]; ok {
			return e.known(at, scan.Str(s))
		}
		if s, ok := pseudo[name]; ok {
			return e.known(at, scan.Str(s))
		}
		return e.unknown(at) // AWS::Region, AWS::AccountId, AWS::StackName, ...
	}
	if prm, ok := e.params[name]; ok {
		v := cloneValue(prm.value)
		place(v, e.rng(at))
		v.Range = e.rng(at)
		v.Refs = appendRefs([]string{name}, v)
		v.Via = appendVia([]string{name}, v)
		return v
	}
	// A resource, or a name the template does not declare: either way the
	// value is only known once deployed.
	return &scan.Value{Kind: scan.Unknown, Refs: []string{name}, Range: e.rng(at)}
}

// getAtt evaluates Fn::GetAtt, "Res.Attr" or [Res, Attr]: an attribute of a
// resource, known only once deployed.
func (e *evaluator) getAtt(at, arg *yaml.Node) (*scan.Value, error) {
	n, err := e.deref(arg)
	if err != nil {
		return nil, err
	}
	if n.Kind == yaml.ScalarNode {
		res, attr, ok := strings.Cut(n.Value, ".")
		if !ok || res == "" || attr == "" {
			return nil, e.errf(at, "Fn::GetAtt takes \"Resource.Attribute\", got %q", n.Value)
		}
		return e.unknown(at, &scan.Value{Refs: []string{res}, Via: []string{n.Value}}), nil
	}
	a, err := e.args("Fn::GetAtt", at, arg, 2, 2)
	if err != nil {
		return nil, err
	}
	res, err := e.name("Fn::GetAtt", a[0])
	if err != nil {
		return nil, err
	}
	attr, err := e.eval(a[1])
	if err != nil {
		return nil, err
	}
	if attr == noValue {
		return nil, e.errf(at, "Fn::GetAtt: AWS::NoValue is not an attribute name")
	}
	read := &scan.Value{Refs: []string{res}}
	if s, ok := attr.String(); ok {
		read.Via = []string{res + "." + s}
	}
	return e.unknown(at, read, attr), nil
}

// sub evaluates Fn::Sub: a string with ${Name}, ${Res.Attr} and ${!Literal},
// and in its list form a mapping of its own variables.
func (e *evaluator) sub(at, arg *yaml.Node) (*scan.Value, error) {
	n, err := e.deref(arg)
	if err != nil {
		return nil, err
	}
	tmpl := n
	vars := map[string]*scan.Value{}
	if n.Kind == yaml.SequenceNode {
		a, err := e.args("Fn::Sub", at, arg, 1, 2)
		if err != nil {
			return nil, err
		}
		if tmpl, err = e.deref(a[0]); err != nil {
			return nil, err
		}
		if len(a) == 2 {
			m, err := e.deref(a[1])
			if err != nil {
				return nil, err
			}
			if m.Kind != yaml.MappingNode {
				return nil, e.errf(at, "Fn::Sub: variables are a mapping, not a %s", kindName(m))
			}
			ps, err := e.pairs(m)
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				v, err := e.eval(p.val)
				if err != nil {
					return nil, err
				}
				vars[p.name] = v
			}
		}
	}
	if tmpl.Kind != yaml.ScalarNode || (strings.HasPrefix(tmpl.Tag, "!") && !strings.HasPrefix(tmpl.Tag, "!!")) {
		return nil, e.errf(at, "Fn::Sub takes a string, or a list of a string and a mapping")
	}
	var b, pat strings.Builder // the value, and its pattern while unknown
	var from []*scan.Value
	known := true
	s := tmpl.Value
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			pat.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		pat.WriteString(s[:i])
		s = s[i+2:]
		j := strings.IndexByte(s, '}')
		if j < 0 {
			b.WriteString("${" + s)
			pat.WriteString("${" + s)
			break
		}
		name := strings.TrimSpace(s[:j])
		s = s[j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			pat.WriteString("${" + name[1:] + "}")
			continue
		}
		v, ok := vars[name]
		switch {
		case ok:
		case strings.Contains(name, ".") && !strings.HasPrefix(name, "AWS::"):
			res, _, _ := strings.Cut(name, ".")
			v = e.unknown(at, &scan.Value{Refs: []string{res}, Via: []string{name}})
		default:
			v = e.refName(at, name)
		}
		if v == noValue {
			continue
		}
		from = append(from, v)
		str, isStr := v.String()
		if !v.Known() || !isStr {
			known = false
			pat.WriteString(patternPiece(v))
			continue
		}
		b.WriteString(str)
		pat.WriteString(str)
	}
	if !known {
		return withPattern(e.unknown(at, from...), pat.String()), nil
	}
	return e.known(at, scan.Str(b.String()), from...), nil
}

// conditionFn evaluates !Condition Name (and {Condition: Name} inside
// condition functions) to the condition's value.
func (e *evaluator) conditionFn(at, arg *yaml.Node) (*scan.Value, error) {
	name, err := e.name("Condition", arg)
	if err != nil {
		return nil, err
	}
	v, err := e.condition(name, at)
	if err != nil {
		return nil, err
	}
	out := cloneValue(v)
	out.Range = e.rng(at)
	return out, nil
}

// condition decides a named condition: Bool, or Unknown when it depends on
// something known only at deploy time.
func (e *evaluator) condition(name string, at *yaml.Node) (*scan.Value, error) {
	if v, ok := e.condVals[name]; ok {
		return v, nil
	}
	n, ok := e.conds[name]
	if !ok {
		return nil, e.errf(at, "condition %q is not defined in Conditions", name)
	}
	if e.condBusy[name] {
		return nil, e.errf(at, "condition %q depends on itself", name)
	}
	e.condBusy[name] = true
	defer delete(e.condBusy, name)
	v, err := e.operand("Conditions", n)
	if err != nil {
		return nil, err
	}
	e.condVals[name] = v
	return v, nil
}

// operand evaluates a condition operand: a condition function or
// {Condition: Name}, to Bool or Unknown.
func (e *evaluator) operand(fn string, n *yaml.Node) (*scan.Value, error) {
	d, err := e.deref(n)
	if err != nil {
		return nil, err
	}
	var v *scan.Value
	if d.Kind == yaml.MappingNode && len(d.Content) == 2 && d.Content[0].Value == "Condition" {
		v, err = e.conditionFn(d, d.Content[1])
	} else {
		v, err = e.eval(n)
	}
	if err != nil {
		return nil, err
	}
	if v == noValue {
		return nil, e.errf(n, "%s: AWS::NoValue is not a condition", fn)
	}
	if !v.Known() {
		return e.unknown(n, v), nil
	}
	b, ok := v.True(false)
	if !ok || (v.Kind != scan.Bool && v.Kind != scan.String) {
		return nil, e.errf(n, "%s: operand is a %s, not a condition", fn, v.Kind)
	}
	return e.known(n, scan.BoolVal(b), v), nil
}

// ifFn evaluates Fn::If [Condition, then, else]: the branch the condition
// picks, or Unknown (with the Refs of both branches) when the condition is
// only known at deploy time.
func (e *evaluator) ifFn(at, arg *yaml.Node) (*scan.Value, error) {
	a, err := e.args("Fn::If", at, arg, 3, 3)
	if err != nil {
		return nil, err
	}
	name, err := e.name("Fn::If", a[0])
	if err != nil {
		return nil, err
	}
	c, err := e.condition(name, a[0])
	if err != nil {
		return nil, err
	}
	if c.Kind == scan.Bool {
		branch := a[2]
		if c.Bool {
			branch = a[1]
		}
		return e.eval(branch)
	}
	then, err := e.eval(a[1])
	if err != nil {
		return nil, err
	}
	els, err := e.eval(a[2])
	if err != nil {
		return nil, err
	}
	if then != noValue && els != noValue && then.Known() && els.Known() && canonical(then) == canonical(els) {
		then.Range = e.rng(at)
		then.Refs = appendRefs(then.Refs, c)
		return then, nil
	}
	var from []*scan.Value
	for _, v := range []*scan.Value{c, then, els} {
		if v != noValue {
			from = append(from, v)
		}
	}
	return e.unknown(at, from...), nil
}

// equals evaluates Fn::Equals [a, b].
func (e *evaluator) equals(at, arg *yaml.Node) (*scan.Value, error) {
	a, err := e.args("Fn::Equals", at, arg, 2, 2)
	if err != nil {
		return nil, err
	}
	var vs [2]*scan.Value
	for i, n := range a {
		if vs[i], err = e.eval(n); err != nil {
			return nil, err
		}
		if vs[i] == noValue {
			return nil, e.errf(n, "Fn::Equals: AWS::NoValue cannot be compared")
		}
	}
	if !vs[0].Known() || !vs[1].Known() {
		return e.unknown(at, vs[0], vs[1]), nil
	}
	return e.known(at, scan.BoolVal(canonical(vs[0]) == canonical(vs[1])), vs[0], vs[1]), nil
}

// not evaluates Fn::Not [condition].
func (e *evaluator) not(at, arg *yaml.Node) (*scan.Value, error) {
	a, err := e.args("Fn::Not", at, arg, 1, 1)
	if err != nil {
		return nil, err
	}
	v, err := e.operand("Fn::Not", a[0])
	if err != nil {
		return nil, err
	}
	if v.Kind != scan.Bool {
		return e.unknown(at, v), nil
	}
	return e.known(at, scan.BoolVal(!v.Bool), v), nil
}

func (e *evaluator) and(at, arg *yaml.Node) (*scan.Value, error) {
	return e.logic("Fn::And", at, arg, false)
}
func (e *evaluator) or(at, arg *yaml.Node) (*scan.Value, error) {
	return e.logic("Fn::Or", at, arg, true)
}

// logic evaluates Fn::And (decisive false) and Fn::Or (decisive true) in
// three-valued logic: one decisive operand decides, else any unknown operand
// makes the result unknown.
func (e *evaluator) logic(fn string, at, arg *yaml.Node, decisive bool) (*scan.Value, error) {
	a, err := e.args(fn, at, arg, 2, 10)
	if err != nil {
		return nil, err
	}
	var from []*scan.Value
	unknown := false
	for _, n := range a {
		v, err := e.operand(fn, n)
		if err != nil {
			return nil, err
		}
		from = append(from, v)
		if v.Kind != scan.Bool {
			unknown = true
			continue
		}
		if v.Bool == decisive {
			return e.known(at, scan.BoolVal(decisive), v), nil
		}
	}
	if unknown {
		return e.unknown(at, from...), nil
	}
	return e.known(at, scan.BoolVal(!decisive), from...), nil
}

// join evaluates Fn::Join [delimiter, list].
func (e *evaluator) join(at, arg *yaml.Node) (*scan.Value, error) {
	a, err := e.args("Fn::Join", at, arg, 2, 2)
	if err != nil {
		return nil, err
	}
	delim, dv, ok, err := e.str("Fn::Join", a[0])
	if err != nil {
		return nil, err
	}
	list, err := e.eval(a[1])
	if err != nil {
		return nil, err
	}
	if list == noValue {
		return nil, e.errf(a[1], "Fn::Join: AWS::NoValue is not a list")
	}
	if !ok || !list.Known() {
		u := e.unknown(at, dv, list)
		if ok && list.Kind == scan.List {
			pieces := make([]string, 0, len(list.List))
			for _, item := range list.List {
				if item.Kind != scan.Null {
					pieces = append(pieces, patternPiece(item))
				}
			}
			withPattern(u, strings.Join(pieces, delim))
		}
		return u, nil
	}
	if list.Kind != scan.List {
		return nil, e.errf(a[1], "Fn::Join takes a list to join, not a %s", list.Kind)
	}
	parts := make([]string, 0, len(list.List))
	for _, item := range list.List {
		s, ok := item.String()
		if !ok {
			if item.Kind == scan.Null {
				continue
			}
			return nil, e.errf(a[1], "Fn::Join: element is a %s, not a string", item.Kind)
		}
		parts = append(parts, s)
	}
	return e.known(at, scan.Str(strings.Join(parts, delim)), dv, list), nil
}

// selectFn evaluates Fn::Select [index, list].
func (e *evaluator) selectFn(at, arg *yaml.Node) (*scan.Value, error) {
	a, err := e.args("Fn::Select", at, arg, 2, 2)
	if err != nil {
		return nil, err
	}
	idx, iv, ok, err := e.str("Fn::Select", a[0])
	if err != nil {
		return nil, err
	}
	list, err := e.eval(a[1])
	if err != nil {
		return nil, err
	}
	if list == noValue {
		return nil, e.errf(a[1], "Fn::Select: AWS::NoValue is not a list")
	}
	if !ok || list.Kind == scan.Unknown {
		return e.unknown(at, iv, list), nil
	}
	i, err := strconv.Atoi(strings.TrimSpace(idx))
	if err != nil {
		return nil, e.errf(a[0], "Fn::Select: index %s is not a whole number", shown(idx, iv))
	}
	if list.Kind != scan.List {
		return nil, e.errf(a[1], "Fn::Select takes a list, not a %s", list.Kind)
	}
	if i < 0 || i >= len(list.List) {
		return nil, e.errf(at, "Fn::Select: index %d is out of range for a list of %d", i, len(list.List))
	}
	v := list.List[i]
	v.Range = e.rng(at)
	v.Refs = appendRefs(appendRefs(v.Refs, iv), &scan.Value{Refs: list.Refs})
	v.Sensitive = v.Sensitive || list.Sensitive
	return v, nil
}

// split evaluates Fn::Split [delimiter, string].
func (e *evaluator) split(at, arg *yaml.Node) (*scan.Value, error) {
	a, err := e.args("Fn::Split", at, arg, 2, 2)
	if err != nil {
		return nil, err
	}
	delim, dv, ok1, err := e.str("Fn::Split", a[0])
	if err != nil {
		return nil, err
	}
	s, sv, ok2, err := e.str("Fn::Split", a[1])
	if err != nil {
		return nil, err
	}
	if !ok1 || !ok2 {
		return e.unknown(at, dv, sv), nil
	}
	if delim == "" {
		return nil, e.errf(a[0], "Fn::Split: the delimiter is empty")
	}
	out := &scan.Value{Kind: scan.List}
	for _, part := range strings.Split(s, delim) {
		out.List = append(out.List, e.known(at, scan.Str(part), sv))
	}
	return e.known(at, out, dv, sv), nil
}

// findInMap evaluates Fn::FindInMap [Map, TopKey, SecondKey] with the
// optional fourth argument {DefaultValue: v}.
func (e *evaluator) findInMap(at, arg *yaml.Node) (*scan.Value, error) {
	a, err := e.args("Fn::FindInMap", at, arg, 3, 4)
	if err != nil {
		return nil, err
	}
	var keys [3]string
	var from []*scan.Value
	known := true
	for i := range keys {
		s, v, ok, err := e.str("Fn::FindInMap", a[i])
		if err != nil {
			return nil, err
		}
		keys[i] = s
		from = append(from, v)
		known = known && ok
	}
	if !known {
		return e.unknown(at, from...), nil
	}
	node := e.mappings
	for _, k := range keys {
		if node == nil {
			break
		}
		next, err := e.lookup(node, k)
		if err != nil {
			return nil, err
		}
		node = next
	}
	if node == nil {
		if len(a) == 4 {
			d, err := e.deref(a[3])
			if err != nil {
				return nil, err
			}
			if d.Kind == yaml.MappingNode && len(d.Content) == 2 && d.Content[0].Value == "DefaultValue" {
				v, err := e.eval(d.Content[1])
				if err != nil || v == noValue {
					return v, err
				}
				return e.known(at, v, from...), nil
			}
			return nil, e.errf(a[3], "Fn::FindInMap: the fourth argument is {DefaultValue: value}")
		}
		return nil, e.errf(at, "Fn::FindInMap: Mappings has no %s/%s/%s", shown(keys[0], from[0]), shown(keys[1], from[1]), shown(keys[2], from[2]))
	}
	v, err := e.eval(node)
	if err != nil || v == noValue {
		return v, err
	}
	return e.known(at, v, from...), nil
}

// lookup returns the value of key in mapping n, or nil.
func (e *evaluator) lookup(n *yaml.Node, key string) (*yaml.Node, error) {
	n, err := e.deref(n)
	if err != nil {
		return nil, err
	}
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	ps, err := e.pairs(n)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.name == key {
			return p.val, nil
		}
	}
	return nil, nil
}

// base64 evaluates Fn::Base64.
func (e *evaluator) base64(at, arg *yaml.Node) (*scan.Value, error) {
	s, v, ok, err := e.str("Fn::Base64", arg)
	if err != nil {
		return nil, err
	}
	if !ok {
		// What is known of the text is kept, for rules that read user data.
		u := e.unknown(at, v)
		if p := patternPiece(v); strings.Trim(p, "*") != "" {
			u.Pattern = scan.Base64Pattern + p
		}
		return u, nil
	}
	return e.known(at, scan.Str(base64.StdEncoding.EncodeToString([]byte(s))), v), nil
}

// getAZs evaluates Fn::GetAZs: the region's zones, known only at deploy.
func (e *evaluator) getAZs(at, arg *yaml.Node) (*scan.Value, error) {
	v, err := e.eval(arg)
	if err != nil {
		return nil, err
	}
	if v == noValue {
		return e.unknown(at), nil
	}
	return e.unknown(at, v), nil
}

// importValue evaluates Fn::ImportValue: another stack's export.
func (e *evaluator) importValue(at, arg *yaml.Node) (*scan.Value, error) {
	return e.opaque(at, arg)
}

// transform evaluates Fn::Transform: a macro's output, known at deploy.
func (e *evaluator) transform(at, arg *yaml.Node) (*scan.Value, error) {
	return e.opaque(at, arg)
}

// opaque evaluates a function whose result is known only at deploy time,
// keeping the Refs of its argument.
func (e *evaluator) opaque(at, arg *yaml.Node) (*scan.Value, error) {
	v, err := e.eval(arg)
	if err != nil {
		return nil, err
	}
	if v == noValue {
		return e.unknown(at), nil
	}
	return e.unknown(at, v), nil
}

// length evaluates Fn::Length: the number of elements of a list.
func (e *evaluator) length(at, arg *yaml.Node) (*scan.Value, error) {
	v, err := e.eval(arg)
	if err != nil {
		return nil, err
	}
	if v == noValue || v.Kind != scan.List {
		if v != noValue && v.Kind == scan.Unknown {
			return e.unknown(at, v), nil
		}
		return nil, e.errf(at, "Fn::Length takes a list")
	}
	return e.known(at, scan.Str(strconv.Itoa(len(v.List))), v), nil
}

// toJSONString evaluates Fn::ToJsonString.
func (e *evaluator) toJSONString(at, arg *yaml.Node) (*scan.Value, error) {
	v, err := e.eval(arg)
	if err != nil {
		return nil, err
	}
	if v == noValue {
		return nil, e.errf(at, "Fn::ToJsonString: AWS::NoValue has no JSON form")
	}
	if !v.Known() {
		return e.unknown(at, v), nil
	}
	b, err := json.Marshal(plain(v))
	if err != nil {
		return nil, e.errf(at, "Fn::ToJsonString: %v", err)
	}
	return e.known(at, scan.Str(string(b)), v), nil
}

// cidr evaluates Fn::Cidr [ipBlock, count, cidrBits]: count subnets, each
// with cidrBits host bits, from the start of ipBlock.
func (e *evaluator) cidr(at, arg *yaml.Node) (*scan.Value, error) {
	a, err := e.args("Fn::Cidr", at, arg, 3, 3)
	if err != nil {
		return nil, err
	}
	var strs [3]string
	var from []*scan.Value
	known := true
	for i := range strs {
		s, v, ok, err := e.str("Fn::Cidr", a[i])
		if err != nil {
			return nil, err
		}
		strs[i] = strings.TrimSpace(s)
		from = append(from, v)
		if known && ok && isSensitive(v) {
			return nil, e.errf(a[i], "Fn::Cidr: argument %d comes from a NoEcho parameter", i+1)
		}
		known = known && ok
	}
	if !known {
		return e.unknown(at, from...), nil
	}
	block, err := netip.ParsePrefix(strs[0])
	if err != nil {
		return nil, e.errf(a[0], "Fn::Cidr: %q is not a CIDR block", strs[0])
	}
	block = block.Masked()
	n, err := strconv.Atoi(strs[1])
	if err != nil || n < 1 || n > 256 {
		return nil, e.errf(a[1], "Fn::Cidr: count %q is not a number from 1 to 256", strs[1])
	}
	total := block.Addr().BitLen()
	bits, err := strconv.Atoi(strs[2])
	if err != nil || bits < 0 || bits > total-block.Bits() {
		return nil, e.errf(a[2], "Fn::Cidr: cidrBits %q does not fit in %s", strs[2], block)
	}
	// The subnets must fit in the block: n <= 2^(free bits).
	if free := total - block.Bits() - bits; free < 9 && n > 1<<free {
		return nil, e.errf(at, "Fn::Cidr: %d subnets of /%d do not fit in %s", n, total-bits, block)
	}
	out := &scan.Value{Kind: scan.List}
	addr := block.Addr().As16()
	for i := 0; i < n; i++ {
		var ip netip.Addr
		if block.Addr().Is4() {
			ip = netip.AddrFrom16(addr).Unmap()
		} else {
			ip = netip.AddrFrom16(addr)
		}
		out.List = append(out.List, e.known(at, scan.Str(netip.PrefixFrom(ip, total-bits).String())))
		addr = add128(addr, bits)
	}
	return e.known(at, out, from...), nil
}

// add128 adds 2^shift to a 16-byte big-endian address.
func add128(a [16]byte, shift int) [16]byte {
	hi, lo := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
	if shift >= 64 {
		hi += 1 << (shift - 64)
	} else {
		old := lo
		lo += 1 << shift
		if lo < old {
			hi++
		}
	}
	binary.BigEndian.PutUint64(a[:8], hi)
	binary.BigEndian.PutUint64(a[8:], lo)
	return a
}

// patternPiece is a part of a string being built, as a pattern: a known
// scalar as its string, an unknown string as its pattern or "*".
func patternPiece(v *scan.Value) string {
	if s, ok := v.String(); ok {
		return s
	}
	if v.Kind == scan.Unknown && v.Pattern != "" {
		return v.Pattern
	}
	return "*"
}

// withPattern sets v's Pattern to p unless p holds nothing but wildcards.
func withPattern(v *scan.Value, p string) *scan.Value {
	if strings.Trim(p, "*") != "" {
		v.Pattern = p
	}
	return v
}
