package cloudformation

import (
	"reflect"
	"testing"
)

// Via names the parameters and attributes a value read; Pattern keeps the
// known parts of a string built from unknown ones; every entry's scope is
// its template.
func TestViaPatternScope(t *testing.T) {
	p := loadSrc(t, `
Parameters:
  DBPassword:
    Type: String
    NoEcho: true
  Env:
    Type: String
    Default: prod
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      MasterUserPassword: !Ref DBPassword
      DBInstanceIdentifier: !Sub "${Env}-db"
  Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      ServiceName: !Sub "com.amazonaws.${AWS::Region}.secretsmanager"
      VpcId: !GetAtt Database.Endpoint.Address
      Tags:
        - Key: a
          Value: !Join [":", ["arn:aws:iam:", !Ref "AWS::AccountId", "root"]]
        - Key: b
          Value: !Sub "${Database.Endpoint.Port}"
        - Key: c
          Value: !GetAtt [Database, Endpoint.Port]
`, nil)
	db := resource(t, p, "resource", "Database")
	if got := db.Attr("MasterUserPassword").Via; !reflect.DeepEqual(got, []string{"DBPassword"}) {
		t.Errorf("MasterUserPassword Via %v, want [DBPassword]", got)
	}
	if v := db.Attr("DBInstanceIdentifier"); v.Str != "prod-db" || !reflect.DeepEqual(v.Via, []string{"Env"}) {
		t.Errorf("DBInstanceIdentifier %q Via %v, want prod-db Via [Env]", v.Str, v.Via)
	}
	ep := resource(t, p, "resource", "Endpoint")
	if got := ep.Attr("ServiceName").Pattern; got != "com.amazonaws.*.secretsmanager" {
		t.Errorf("ServiceName pattern %q, want com.amazonaws.*.secretsmanager", got)
	}
	if got := ep.Attr("VpcId").Via; !reflect.DeepEqual(got, []string{"Database.Endpoint.Address"}) {
		t.Errorf("VpcId Via %v, want [Database.Endpoint.Address]", got)
	}
	if got := ep.Attr("Tags", "0", "Value").Pattern; got != "arn:aws:iam::*:root" {
		t.Errorf("Join pattern %q, want arn:aws:iam::*:root", got)
	}
	if v := ep.Attr("Tags", "1", "Value"); v.Pattern != "" || !reflect.DeepEqual(v.Via, []string{"Database.Endpoint.Port"}) {
		t.Errorf("Sub of one attribute: pattern %q Via %v, want no pattern, Via [Database.Endpoint.Port]", v.Pattern, v.Via)
	}
	if got := ep.Attr("Tags", "2", "Value").Via; !reflect.DeepEqual(got, []string{"Database.Endpoint.Port"}) {
		t.Errorf("GetAtt list form Via %v, want [Database.Endpoint.Port]", got)
	}
	for _, r := range p.Resources {
		if r.Scope != r.Range.File || r.Scope == "" {
			t.Errorf("%s %s: scope %q, want its template %q", r.Kind, r.Address, r.Scope, r.Range.File)
		}
	}
}
