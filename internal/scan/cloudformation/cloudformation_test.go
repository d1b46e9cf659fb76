package cloudformation

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// prelude declares what the function cases refer to. The property under
// test is written on line vLine.
const prelude = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String, Default: prod}
  Secret: {Type: String, NoEcho: true, Default: hunter2}
  NoDefault: {Type: String}
  Zones: {Type: CommaDelimitedList, Default: "a, b,c"}
Mappings:
  Sizes:
    prod: {Storage: "100", Class: db.r6g.large}
    dev: {Storage: "20"}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Unknowable: !Equals [!Ref NoDefault, x]
Resources:
  Key:
    Type: AWS::KMS::Key
  Thing:
    Type: AWS::S3::Bucket
    Properties:
      V: `

const vLine = 21

func loadSrc(t *testing.T, src string, params map[string]string) *scan.Project {
	t.Helper()
	p := &scan.Project{}
	if err := Load(p, "t.yaml", []byte(src), params); err != nil {
		t.Fatalf("Load: %v\n%s", err, src)
	}
	return p
}

func resource(t *testing.T, p *scan.Project, kind, addr string) *scan.Resource {
	t.Helper()
	for _, r := range p.Resources {
		if r.Kind == kind && r.Address == addr {
			return r
		}
	}
	t.Fatalf("no %s %s", kind, addr)
	return nil
}

var lineRe = regexp.MustCompile(`@\d+`)

// TestFunctions evaluates every intrinsic function in its short and long
// form and checks both give the same value, Refs and sensitivity.
func TestFunctions(t *testing.T) {
	tests := []struct {
		name, short, long, want string
	}{
		{"Ref parameter", `!Ref Env`, `{Ref: Env}`, `"prod"<Env>`},
		{"Ref resource", `!Ref Key`, `{Ref: Key}`, `?<Key>`},
		{"Ref NoEcho parameter", `!Ref Secret`, `{Ref: Secret}`, `"hunter2"<Secret>!`},
		{"Ref parameter without default", `!Ref NoDefault`, `{Ref: NoDefault}`, `?<NoDefault>`},
		{"Ref list parameter", `!Ref Zones`, `{Ref: Zones}`, `["a", "b", "c"]<Zones>`},
		{"Ref AWS::Partition", `!Ref AWS::Partition`, `{Ref: "AWS::Partition"}`, `"aws"`},
		{"Ref AWS::URLSuffix", `!Ref AWS::URLSuffix`, `{Ref: "AWS::URLSuffix"}`, `"amazonaws.com"`},
		{"Ref AWS::Region", `!Ref AWS::Region`, `{Ref: "AWS::Region"}`, `?`},
		{"Ref AWS::AccountId", `!Ref AWS::AccountId`, `{Ref: "AWS::AccountId"}`, `?`},
		{"Sub", `!Sub "${Env}-${AWS::Partition}-${!Literal}"`, `{"Fn::Sub": "${Env}-${AWS::Partition}-${!Literal}"}`, `"prod-aws-${Literal}"<Env>`},
		{"Sub with an attribute", `!Sub "arn:${Key.Arn}/${Env}"`, `{"Fn::Sub": "arn:${Key.Arn}/${Env}"}`, `?<Key,Env>`},
		{"Sub with a resource", `!Sub "${Key}"`, `{"Fn::Sub": "${Key}"}`, `?<Key>`},
		{"Sub list form", `!Sub ["${A}-${Env}", {A: !Select [0, !Ref Zones]}]`, `{"Fn::Sub": ["${A}-${Env}", {A: {"Fn::Select": [0, {Ref: Zones}]}}]}`, `"a-prod"<Zones,Env>`},
		{"Sub of a NoEcho parameter", `!Sub "pw=${Secret}"`, `{"Fn::Sub": "pw=${Secret}"}`, `"pw=hunter2"<Secret>!`},
		{"GetAtt dotted", `!GetAtt Key.Arn`, `{"Fn::GetAtt": "Key.Arn"}`, `?<Key>`},
		{"GetAtt list", `!GetAtt [Key, Arn]`, `{"Fn::GetAtt": [Key, Arn]}`, `?<Key>`},
		{"GetAtt nested attribute", `!GetAtt DB.Endpoint.Address`, `{"Fn::GetAtt": [DB, Endpoint.Address]}`, `?<DB>`},
		{"If true", `!If [IsProd, big, small]`, `{"Fn::If": [IsProd, big, small]}`, `"big"`},
		{"If false", `!If [IsDev, big, small]`, `{"Fn::If": [IsDev, big, small]}`, `"small"`},
		{"If unknown keeps both branches' refs", `!If [Unknowable, !Ref Key, !GetAtt Other.Arn]`, `{"Fn::If": [Unknowable, {Ref: Key}, {"Fn::GetAtt": [Other, Arn]}]}`, `?<NoDefault,Key,Other>`},
		{"If unknown with equal branches", `!If [Unknowable, same, same]`, `{"Fn::If": [Unknowable, same, same]}`, `"same"<NoDefault>`},
		{"Equals", `!Equals [!Ref Env, prod]`, `{"Fn::Equals": [{Ref: Env}, prod]}`, `true<Env>`},
		{"Equals unknown", `!Equals [!Ref AWS::Region, us-east-1]`, `{"Fn::Equals": [{Ref: "AWS::Region"}, us-east-1]}`, `?`},
		{"Not", `!Not [!Equals [a, b]]`, `{"Fn::Not": [{"Fn::Equals": [a, b]}]}`, `true`},
		{"And", `!And [!Condition IsProd, !Equals [a, a]]`, `{"Fn::And": [{Condition: IsProd}, {"Fn::Equals": [a, a]}]}`, `true<Env>`},
		{"And false beats unknown", `!And [!Condition Unknowable, !Condition IsDev]`, `{"Fn::And": [{Condition: Unknowable}, {Condition: IsDev}]}`, `false<Env>`},
		{"And unknown", `!And [!Condition Unknowable, !Condition IsProd]`, `{"Fn::And": [{Condition: Unknowable}, {Condition: IsProd}]}`, `?<NoDefault,Env>`},
		{"Or", `!Or [!Condition IsDev, !Condition IsProd]`, `{"Fn::Or": [{Condition: IsDev}, {Condition: IsProd}]}`, `true<Env>`},
		{"Or true beats unknown", `!Or [!Condition Unknowable, !Condition IsProd]`, `{"Fn::Or": [{Condition: Unknowable}, {Condition: IsProd}]}`, `true<Env>`},
		{"Condition", `!Condition IsProd`, `{Condition: IsProd}`, `{Condition: "IsProd"}`},
		{"Join", `!Join ["-", [a, !Ref Env, 3]]`, `{"Fn::Join": ["-", [a, {Ref: Env}, 3]]}`, `"a-prod-3"<Env>`},
		{"Join of a list parameter", `!Join [",", !Ref Zones]`, `{"Fn::Join": [",", {Ref: Zones}]}`, `"a,b,c"<Zones>`},
		{"Join unknown", `!Join ["", [!Ref Key, x]]`, `{"Fn::Join": ["", [{Ref: Key}, x]]}`, `?<Key>`},
		{"Select", `!Select [1, !Ref Zones]`, `{"Fn::Select": [1, {Ref: Zones}]}`, `"b"<Zones>`},
		{"Select with string index", `!Select ["0", [x, y]]`, `{"Fn::Select": ["0", [x, y]]}`, `"x"`},
		{"Select from GetAZs", `!Select [0, !GetAZs ""]`, `{"Fn::Select": [0, {"Fn::GetAZs": ""}]}`, `?`},
		{"Split", `!Split [",", "a,b"]`, `{"Fn::Split": [",", "a,b"]}`, `["a", "b"]`},
		{"FindInMap", `!FindInMap [Sizes, !Ref Env, Storage]`, `{"Fn::FindInMap": [Sizes, {Ref: Env}, Storage]}`, `"100"<Env>`},
		{"FindInMap with unknown key", `!FindInMap [Sizes, !Ref AWS::Region, Storage]`, `{"Fn::FindInMap": [Sizes, {Ref: "AWS::Region"}, Storage]}`, `?`},
		{"FindInMap DefaultValue", `!FindInMap [Sizes, dev, Class, {DefaultValue: db.t3.micro}]`, `{"Fn::FindInMap": [Sizes, dev, Class, {DefaultValue: db.t3.micro}]}`, `"db.t3.micro"`},
		{"Base64", `!Base64 hello`, `{"Fn::Base64": hello}`, `"aGVsbG8="`},
		{"Base64 of Sub", `!Base64 {"Fn::Sub": "${Env}"}`, `{"Fn::Base64": {"Fn::Sub": "${Env}"}}`, `"cHJvZA=="<Env>`},
		{"GetAZs", `!GetAZs ""`, `{"Fn::GetAZs": ""}`, `?`},
		{"ImportValue", `!ImportValue shared-vpc`, `{"Fn::ImportValue": shared-vpc}`, `?`},
		{"ImportValue of Sub", `!ImportValue {"Fn::Sub": "${Key}-id"}`, `{"Fn::ImportValue": {"Fn::Sub": "${Key}-id"}}`, `?<Key>`},
		{"Cidr", `!Cidr ["10.0.0.0/16", 3, 8]`, `{"Fn::Cidr": ["10.0.0.0/16", "3", "8"]}`, `["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]`},
		{"Cidr IPv6", `!Cidr ["2001:db8::/56", 2, 64]`, `{"Fn::Cidr": ["2001:db8::/56", 2, 64]}`, `["2001:db8::/64", "2001:db8:0:1::/64"]`},
		{"Cidr unknown", `!Cidr [!GetAtt Vpc.CidrBlock, 2, 8]`, `{"Fn::Cidr": [{"Fn::GetAtt": [Vpc, CidrBlock]}, 2, 8]}`, `?<Vpc>`},
		{"Transform", `!Transform {Name: "AWS::Include", Parameters: {Location: "s3://b/k"}}`, `{"Fn::Transform": {Name: "AWS::Include", Parameters: {Location: "s3://b/k"}}}`, `?`},
		{"Length", `!Length [a, b]`, `{"Fn::Length": [a, b]}`, `"2"`},
		{"ToJsonString", `!ToJsonString {a: [1, true]}`, `{"Fn::ToJsonString": {a: [1, true]}}`, `"{\"a\":[\"1\",true]}"`},
		{"unknown long-form function", `{"Fn::Future": x}`, `{"Fn::Future": [x]}`, `?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [2]string
			for i, expr := range []string{tt.short, tt.long} {
				p := loadSrc(t, prelude+expr+"\n", nil)
				v := resource(t, p, "resource", "Thing").Attr("V")
				if v.Range.Line != vLine || v.Range.File != "t.yaml" {
					t.Errorf("%s: range %+v, want t.yaml:%d", expr, v.Range, vLine)
				}
				got[i] = lineRe.ReplaceAllString(show(v), "")
			}
			if tt.name == "Condition" {
				// {Condition: X} outside a condition function is a plain
				// mapping (a property may be named Condition).
				if got[0] != "true<Env>" || got[1] != tt.want {
					t.Errorf("got %s and %s", got[0], got[1])
				}
				return
			}
			if got[0] != tt.want || got[1] != tt.want {
				t.Errorf("short form %s, long form %s; want %s", got[0], got[1], tt.want)
			}
		})
	}
}

func TestNoValue(t *testing.T) {
	src := prelude + `x
      Gone: !Ref AWS::NoValue
      GoneByIf: !If [IsProd, !Ref AWS::NoValue, kept]
      KeptByIf: !If [IsDev, !Ref AWS::NoValue, kept]
      List: [a, !Ref AWS::NoValue, b]
      Sub: !Sub "a${AWS::NoValue}b"
`
	r := resource(t, loadSrc(t, src, nil), "resource", "Thing")
	for _, k := range []string{"Gone", "GoneByIf"} {
		if v := r.Attr(k); v != nil {
			t.Errorf("%s = %s, want the property removed", k, show(v))
		}
	}
	if s, _ := r.Attr("KeptByIf").String(); s != "kept" {
		t.Errorf("KeptByIf = %s", show(r.Attr("KeptByIf")))
	}
	if got := lineRe.ReplaceAllString(show(r.Attr("List")), ""); got != `["a", "b"]` {
		t.Errorf("List = %s", got)
	}
	if s, _ := r.Attr("Sub").String(); s != "ab" {
		t.Errorf("Sub = %s", show(r.Attr("Sub")))
	}
}

func TestConditionsDecideResources(t *testing.T) {
	src := `Parameters:
  Env: {Type: String, Default: dev}
  Region: {Type: String}
Conditions:
  IsProd: {"Fn::Equals": [{Ref: Env}, prod]}
  NotProd: !Not [{Condition: IsProd}]
  Maybe: !Equals [!Ref Region, eu-west-1]
  ProdAndMaybe: !And [!Condition IsProd, !Condition Maybe]
  DevOrMaybe: !Or [!Condition NotProd, !Condition Maybe]
Resources:
  ProdOnly: {Type: AWS::S3::Bucket, Condition: IsProd}
  DevOnly: {Type: AWS::S3::Bucket, Condition: NotProd}
  MaybeOnly: {Type: AWS::S3::Bucket, Condition: Maybe}
  Never: {Type: AWS::S3::Bucket, Condition: ProdAndMaybe}
  Always: {Type: AWS::S3::Bucket, Condition: DevOrMaybe}
Outputs:
  ProdOut: {Value: x, Condition: IsProd}
  DevOut: {Value: !Ref DevOnly, Condition: NotProd, Export: {Name: !Sub "${Env}-dev"}}
`
	names := func(p *scan.Project, kind string) string {
		var out []string
		for _, r := range p.Resources {
			if r.Kind == kind {
				out = append(out, r.Address)
			}
		}
		return strings.Join(out, ",")
	}
	p := loadSrc(t, src, nil)
	if got := names(p, "resource"); got != "DevOnly,MaybeOnly,Always" {
		t.Errorf("dev: resources %s, want DevOnly,MaybeOnly,Always", got)
	}
	if got := names(p, "output"); got != "DevOut" {
		t.Errorf("dev: outputs %s, want DevOut", got)
	}
	out := resource(t, p, "output", "DevOut")
	if got := lineRe.ReplaceAllString(show(out.Attrs), ""); got != `{Condition: "NotProd", Export: {Name: "dev-dev"<Env>}, Value: ?<DevOnly>}` {
		t.Errorf("output attrs %s", got)
	}

	p = loadSrc(t, src, map[string]string{"Env": "prod"})
	if got := names(p, "resource"); got != "ProdOnly,MaybeOnly,Never,Always" {
		t.Errorf("prod: resources %s, want ProdOnly,MaybeOnly,Never,Always (Never and Always undecided)", got)
	}
	p = loadSrc(t, src, map[string]string{"Env": "prod", "Region": "us-east-1"})
	if got := names(p, "resource"); got != "ProdOnly" {
		t.Errorf("prod in us-east-1: resources %s, want ProdOnly", got)
	}
}

func TestParameters(t *testing.T) {
	src := `Parameters:
  DBUser:
    Type: String
    Default: admin
  DBPassword:
    Type: String
    NoEcho: "true"
    Default: changeme
    MinLength: 8
  Port:
    Type: Number
    Default: 3306
  Subnets:
    Type: List<AWS::EC2::Subnet::Id>
  Ami:
    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
    Default: /aws/service/ami
Resources:
  DB:
    Type: AWS::RDS::DBInstance
    Properties:
      MasterUsername: !Ref DBUser
      MasterUserPassword: !Ref DBPassword
      Port: !Ref Port
      Subnets: !Ref Subnets
      ImageId: !Ref Ami
`
	t.Run("defaults", func(t *testing.T) {
		p := loadSrc(t, src, nil)
		db := resource(t, p, "resource", "DB")
		want := map[string]string{
			"MasterUsername":     `"admin"<DBUser>`,
			"MasterUserPassword": `"changeme"<DBPassword>!`,
			"Port":               `"3306"<Port>`,
			"Subnets":            `?<Subnets>`,
			"ImageId":            `?<Ami>`,
		}
		for k, w := range want {
			if got := lineRe.ReplaceAllString(show(db.Attr(k)), ""); got != w {
				t.Errorf("%s = %s, want %s", k, got, w)
			}
		}
		if n, ok := db.Attr("Port").Number(); !ok || n != 3306 {
			t.Errorf("Port reads as number %v %v", n, ok)
		}
		pw := resource(t, p, "parameter", "DBPassword")
		if pw.Type != "parameter" || pw.Range.Line != 5 || pw.Range.EndLine != 9 {
			t.Errorf("parameter resource %s %+v", pw.Type, pw.Range)
		}
		if !pw.Attr("Default").Sensitive || !pw.Attr("value").Sensitive {
			t.Error("the Default and value of a NoEcho parameter are not sensitive")
		}
		if ne, _ := pw.Attr("NoEcho").True(false); !ne {
			t.Error("NoEcho attribute not readable as true")
		}
		if pw.Attr("value").Range.Line != 8 {
			t.Errorf("value at line %d, want the Default's line 8", pw.Attr("value").Range.Line)
		}
		if got := lineRe.ReplaceAllString(show(resource(t, p, "parameter", "DBUser").Attrs), ""); got != `{Default: "admin", Type: "String", value: "admin"}` {
			t.Errorf("DBUser attrs %s", got)
		}
	})
	t.Run("overrides", func(t *testing.T) {
		p := loadSrc(t, src, map[string]string{"DBUser": "app", "DBPassword": "override-pw", "Subnets": "s-1, s-2", "Unused": "x"})
		db := resource(t, p, "resource", "DB")
		want := map[string]string{
			"MasterUsername":     `"app"<DBUser>`,
			"MasterUserPassword": `"override-pw"<DBPassword>!`,
			"Subnets":            `["s-1", "s-2"]<Subnets>`,
		}
		for k, w := range want {
			if got := lineRe.ReplaceAllString(show(db.Attr(k)), ""); got != w {
				t.Errorf("%s = %s, want %s", k, got, w)
			}
		}
		if l := db.Attr("Subnets").List[1].Range.Line; l != 25 {
			t.Errorf("list element from a parameter at line %d, want the Ref's line 25", l)
		}
	})
	t.Run("pseudo parameter override", func(t *testing.T) {
		p := loadSrc(t, prelude+"!Sub ${AWS::Region}\n", map[string]string{"AWS::Region": "eu-west-1"})
		if s, _ := resource(t, p, "resource", "Thing").Attr("V").String(); s != "eu-west-1" {
			t.Errorf("AWS::Region override: %s", show(resource(t, p, "resource", "Thing").Attr("V")))
		}
	})
}

func TestScalarsAndRanges(t *testing.T) {
	src := `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  # the database
  DB:
    Type: AWS::RDS::DBInstance
    DeletionPolicy: Retain
    UpdateReplacePolicy: Snapshot
    Properties:
      StorageEncrypted: true
      Quoted: "true"
      Port: 3306
      Ratio: 1.5
      Word: yes
      Empty:
      Tags:
        - Key: env
          Value: prod
      UserData: |
        #!/bin/sh
        echo hi
  Next:
    Type: AWS::S3::Bucket
`
	p := loadSrc(t, src, nil)
	db := resource(t, p, "resource", "DB")
	if db.Type != "AWS::RDS::DBInstance" || db.Lang != scan.CloudFormation || db.Dir != "." {
		t.Errorf("resource %s %s %s", db.Type, db.Lang, db.Dir)
	}
	if db.Range != (scan.Range{File: "t.yaml", Line: 4, EndLine: 20}) {
		t.Errorf("DB range %+v, want 4-20", db.Range)
	}
	want := map[string]string{
		"StorageEncrypted":    "true@9",
		"Quoted":              `"true"@10`,
		"Port":                `"3306"@11`,
		"Ratio":               `"1.5"@12`,
		"Word":                `"yes"@13`,
		"Empty":               `null@14`,
		"Tags":                `[{Key: "env"@16, Value: "prod"@17}@16]@15`,
		"DeletionPolicy":      `"Retain"@6`,
		"UpdateReplacePolicy": `"Snapshot"@7`,
	}
	for k, w := range want {
		if got := show(db.Attr(k)); got != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
	if b, known := db.Attr("StorageEncrypted").True(false); !b || !known {
		t.Error("StorageEncrypted does not read as true")
	}
	if e := db.Attr("Tags").Range.EndLine; e != 17 {
		t.Errorf("Tags end line %d, want 17", e)
	}
	if s, _ := db.Attr("UserData").String(); s != "#!/bin/sh\necho hi\n" {
		t.Errorf("UserData %q", s)
	}
	if got := resource(t, p, "resource", "Next").Range; got.Line != 21 || got.EndLine != 22 {
		t.Errorf("Next range %+v", got)
	}
	if string(p.Files["t.yaml"]) != src {
		t.Error("file not added to the project")
	}
}

func TestJSONTemplate(t *testing.T) {
	src, err := os.ReadFile("testdata/rds.json")
	if err != nil {
		t.Fatal(err)
	}
	if !Detect("rds.json", src) {
		t.Fatal("JSON template not detected")
	}
	p := &scan.Project{}
	if err := Load(p, "testdata/rds.json", src, nil); err != nil {
		t.Fatal(err)
	}
	db := resource(t, p, "resource", "Database")
	if db.Range.Line != 17 || db.Dir != "testdata" {
		t.Errorf("Database range %+v dir %s", db.Range, db.Dir)
	}
	want := map[string]string{
		"StorageEncrypted":   "true@21",
		"MasterUserPassword": `?@22<DBSecret>`,
		"DBName":             `"app"@23<Env>`,
		"Path":               `"a/b"@24`,
		"KmsKeyId":           `?@25<Key>`,
	}
	for k, w := range want {
		if got := show(db.Attr(k)); got != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, src string
		want      bool
	}{
		{"t.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n", true},
		{"t.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n", true},
		{"t.json", `{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}`, true},
		{"sam.yaml", "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n", true},
		{"t.yaml", "Resources:\n  B:\n    Type: Custom::Thing\n", false},
		{"broken.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B: [\n", true},
		{"package.json", `{"name": "x", "version": "1.0.0", "scripts": {"deploy": "aws cloudformation deploy"}}`, false},
		{"deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      containers: []\n", false},
		{"ci.yml", "name: ci\non: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo AWS::Region\n", false},
		{"notes.yaml", "Resources:\n  - AWS::S3::Bucket\n", false},
		{"empty.yaml", "", false},
		{"list.yaml", "- Type: AWS::S3::Bucket\n", false},
	}
	for _, tt := range tests {
		if got := Detect(tt.name, []byte(tt.src)); got != tt.want {
			t.Errorf("Detect(%s, %q) = %v, want %v", tt.name, tt.src, got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	res := "Resources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      P: "
	tests := []struct {
		name, src, want string
	}{
		{"YAML syntax", "Resources:\n  R:\n    Type: AWS::S3::Bucket\n   Bad: [\n", "t.yaml:4: "},
		{"tab indentation", "Resources:\n\tR: {}\n", "t.yaml:2: "},
		{"unknown tag", res + "!Reff X\n", "t.yaml:5: unknown tag !Reff"},
		{"unknown tag in a list", res + "[a, !Bogus b]\n", "t.yaml:5: unknown tag !Bogus"},
		{"If arity", res + "!If [C, a]\n", "t.yaml:5: Fn::If takes 3 arguments, got 2"},
		{"Equals arity", res + "{\"Fn::Equals\": [a, b, c]}\n", "t.yaml:5: Fn::Equals takes 2 arguments, got 3"},
		{"Not arity", res + "!Not [a, b]\n", "t.yaml:5: Fn::Not takes 1 argument, got 2"},
		{"And arity", res + "!And [!Equals [a, a]]\n", "t.yaml:5: Fn::And takes 2 to 10 arguments, got 1"},
		{"Or not a list", res + "!Or x\n", "t.yaml:5: Fn::Or takes a list of 2 to 10 arguments, not a scalar"},
		{"Join arity", res + "!Join [x]\n", "t.yaml:5: Fn::Join takes 2 arguments, got 1"},
		{"Select arity", res + "!Select [0]\n", "t.yaml:5: Fn::Select takes 2 arguments, got 1"},
		{"Select out of range", res + "!Select [2, [a, b]]\n", "t.yaml:5: Fn::Select: index 2 is out of range for a list of 2"},
		{"Split arity", res + "!Split [\",\"]\n", "t.yaml:5: Fn::Split takes 2 arguments, got 1"},
		{"FindInMap arity", res + "!FindInMap [M, a]\n", "t.yaml:5: Fn::FindInMap takes 3 to 4 arguments, got 2"},
		{"FindInMap missing key", "Mappings:\n  M: {a: {b: c}}\n" + res + "!FindInMap [M, a, x]\n", "t.yaml:7: Fn::FindInMap: Mappings has no \"M\"/\"a\"/\"x\""},
		{"Cidr arity", res + "!Cidr [\"10.0.0.0/16\", 2]\n", "t.yaml:5: Fn::Cidr takes 3 arguments, got 2"},
		{"Cidr too many subnets", res + "!Cidr [\"10.0.0.0/24\", 3, 7]\n", "t.yaml:5: Fn::Cidr: 3 subnets of /25 do not fit in 10.0.0.0/24"},
		{"GetAtt without attribute", res + "!GetAtt Key\n", "t.yaml:5: Fn::GetAtt takes \"Resource.Attribute\""},
		{"GetAtt arity", res + "!GetAtt [Key]\n", "t.yaml:5: Fn::GetAtt takes 2 arguments, got 1"},
		{"Ref of a list", res + "!Ref [a]\n", "t.yaml:5: Ref takes a name, not a list"},
		{"Sub arity", res + "!Sub [a, {}, b]\n", "t.yaml:5: Fn::Sub takes 1 to 2 arguments, got 3"},
		{"undefined condition", res + "!If [Nope, a, b]\n", "t.yaml:5: condition \"Nope\" is not defined in Conditions"},
		{"condition cycle", "Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\n" + res + "!If [A, x, y]\n", "condition \"A\" depends on itself"},
		{"duplicate key", res + "1\n      P: 2\n", "t.yaml:6: duplicate key \"P\" (first at line 5)"},
		{"resource without Type", "Resources:\n  R:\n    Properties: {}\n", "t.yaml:2: resource R has no Type"},
		{"resource not a mapping", "Resources:\n  R: x\n", "t.yaml:2: resource R is a scalar; want a mapping"},
		{"Resources not a mapping", "Resources: [a]\n", "t.yaml:1: Resources is a list; want a mapping"},
		{"template not a mapping", "- a\n", "t.yaml:1: a template is a mapping of sections, not a list"},
		{"empty", "", "t.yaml: empty template"},
		{"alias refers to itself", "x: &a [*a]\n" + res + "*a\n", "t.yaml:1: alias *a refers to itself"},
		{"merge key cycle", "Resources:\n  A: &a\n    Type: AWS::S3::Bucket\n    Properties: {<<: *a}\n", "t.yaml:4: YAML aliases make this value contain itself"},
		{"alias expansion bomb", bomb() + res + "*i\n", "template too large to evaluate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Load(&scan.Project{}, "t.yaml", []byte(tt.src), nil)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "t.yaml") {
				t.Errorf("error %q, want it to name t.yaml and contain %q", err, tt.want)
			}
		})
	}
}

// bomb returns YAML whose aliases expand to 10^9 nodes.
func bomb() string {
	var b strings.Builder
	b.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString(n + ": &" + n + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = n
	}
	return b.String()
}

// TestErrorsNeverShowNoEchoValues: a NoEcho value that makes a function
// fail is not quoted in the error.
func TestErrorsNeverShowNoEchoValues(t *testing.T) {
	head := "Parameters:\n  S: {Type: String, NoEcho: true, Default: TopSecret99}\nMappings:\n  M: {a: {b: c}}\nResources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      P: "
	for _, expr := range []string{
		"!Select [!Ref S, [a]]",
		"!FindInMap [M, !Ref S, b]",
		"!Cidr [!Ref S, 1, 8]",
		"!Cidr [\"10.0.0.0/16\", !Ref S, 8]",
	} {
		err := Load(&scan.Project{}, "t.yaml", []byte(head+expr+"\n"), nil)
		if err == nil {
			t.Errorf("%s: no error", expr)
			continue
		}
		if strings.Contains(err.Error(), "TopSecret99") {
			t.Errorf("%s: error shows the NoEcho value: %v", expr, err)
		}
	}
}

func TestMergeKeysAndAliases(t *testing.T) {
	src := `Resources:
  A:
    Type: AWS::S3::Bucket
    Properties: &props
      Encrypted: true
      Name: a
  B:
    Type: AWS::S3::Bucket
    Properties:
      <<: *props
      Name: b
`
	p := loadSrc(t, src, nil)
	b := resource(t, p, "resource", "B")
	if got := lineRe.ReplaceAllString(show(b.Attrs), ""); got != `{Encrypted: true, Name: "b"}` {
		t.Errorf("B = %s", got)
	}
}

func TestRealisticTemplate(t *testing.T) {
	src, err := os.ReadFile("testdata/secrets-stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, p *scan.Project, addr string, want map[string]string) {
		t.Helper()
		r := resource(t, p, "resource", addr)
		for k, w := range want {
			if got := lineRe.ReplaceAllString(show(r.Attr(strings.Split(k, "/")...)), ""); got != w {
				t.Errorf("%s %s = %s, want %s", addr, k, got, w)
			}
		}
	}
	p := &scan.Project{}
	if err := Load(p, "testdata/secrets-stack.yaml", src, nil); err != nil {
		t.Fatal(err)
	}
	check(t, p, "SubnetA", map[string]string{"CidrBlock": `"10.20.30.0/26"<VpcCIDR>`, "VpcId": `?<VPC>`})
	check(t, p, "SubnetB", map[string]string{"CidrBlock": `"10.20.30.64/26"<VpcCIDR>`})
	check(t, p, "Database", map[string]string{
		"DeletionProtection":    "false",
		"BackupRetentionPeriod": `"7"<Environment>`,
		"MultiAZ":               "<nil>",
		"DeletionPolicy":        `"Snapshot"`,
		"MasterUserSecret":      `{KmsKeyId: ?<DBKey>}`,
	})
	check(t, p, "UserASecret", map[string]string{
		"GenerateSecretString/SecretStringTemplate": `?<Database>`,
		"GenerateSecretString/ExcludeCharacters":    `"\"@/\\"`,
	})
	check(t, p, "UserARotation", map[string]string{"SecretId": `?<UserASecret>`})
	if !resource(t, p, "resource", "UserARotation").Attr("SecretId").RefersTo("UserASecret") {
		t.Error("rotation schedule does not refer to its secret")
	}

	p = &scan.Project{}
	if err := Load(p, "testdata/secrets-stack.yaml", src, map[string]string{"Environment": "prod"}); err != nil {
		t.Fatal(err)
	}
	check(t, p, "Database", map[string]string{
		"DeletionProtection":    "true",
		"BackupRetentionPeriod": `"35"<Environment>`,
		"MultiAZ":               "true",
	})
}
