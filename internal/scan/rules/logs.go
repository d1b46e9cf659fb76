package rules

import (
	"encoding/base64"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
)

// logRules check CloudWatch log groups, alarms on the databases and the SNS
// topics that carry their notifications.
var logRules = []*scan.Rule{logRetention, logKMS, logRetentionExplicit, logDBAlarms, snsEncrypted}

// The resource types of the monitoring rules.
const (
	tfLogGroup  = "aws_cloudwatch_log_group"
	cfnLogGroup = "AWS::Logs::LogGroup"
	tfAlarm     = "aws_cloudwatch_metric_alarm"
	cfnAlarm    = "AWS::CloudWatch::Alarm"
	tfEC2       = "aws_instance"
	cfnEC2      = "AWS::EC2::Instance"
	tfSNSTopic  = "aws_sns_topic"
	cfnSNSTopic = "AWS::SNS::Topic"
)

// logGroups returns the log groups of both languages with their retention
// attribute's name.
func logGroups(p *scan.Project) (rs []*scan.Resource, retention, key map[*scan.Resource]string) {
	retention, key = map[*scan.Resource]string{}, map[*scan.Resource]string{}
	for _, r := range tfResources(p, tfLogGroup) {
		rs = append(rs, r)
		retention[r], key[r] = "retention_in_days", "kms_key_id"
	}
	for _, r := range cfnResources(p, cfnLogGroup) {
		rs = append(rs, r)
		retention[r], key[r] = "RetentionInDays", "KmsKeyId"
	}
	return rs, retention, key
}

var logRetention = &scan.Rule{
	ID:       "DBW-LOG-001",
	Title:    "CloudWatch log group keeps logs for less than the profile's minimum",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfLogGroup},
		scan.CloudFormation: {cfnLogGroup},
	},
	Seeds: []string{"003 Compliance Configuration", "003 Logging and Monitoring", "002 §4", "000 §4"},
	Rationale: "Seed 003 aligns log retention with compliance requirements: 365 days for PCI DSS, 730 for HIPAA; " +
		"seed 002 §4 keeps 14 days of logs. Logs that expire sooner are gone when an incident or an audit needs them. " +
		"The minimum comes from the compliance profile (baseline 14, pci 365, hipaa 730). A log group without " +
		"retention never expires, which meets any minimum (DBW-LOG-003 asks for an explicit value).",
	Remediation: "Set retention_in_days (RetentionInDays) to at least the profile's minimum, e.g. 400 for PCI or 731 " +
		"for HIPAA (allowed values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, " +
		"2192, 2557, 2922, 3288, 3653).",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_cloudwatch_log_group" "mysql" {
  name              = "/dbwarden/mysql/error"
  retention_in_days = 731
  kms_key_id        = aws_kms_key.logs.arn
}`,
		scan.CloudFormation: `MySQLLogs:
  Type: AWS::Logs::LogGroup
  Properties:
    RetentionInDays: 731
    KmsKeyId: !GetAtt LogsKey.Arn`,
	},
	Checkov: []string{"CKV_AWS_338"},
	Check: func(p *scan.Project, out *scan.Out) {
		minDays := float64(profileInt(p.Profile.LogRetentionDays, 14))
		rs, retention, _ := logGroups(p)
		for _, r := range rs {
			v := r.Attr(retention[r])
			if n, ok := v.Number(); v.Known() && (!v.Set() || ok && n == 0) {
				continue // never expires
			}
			atLeast(out, r, v, 0, minDays, retention[r])
		}
	},
}

var logKMS = &scan.Rule{
	ID:       "DBW-LOG-002",
	Title:    "CloudWatch log group not encrypted with a customer-managed KMS key",
	Severity: scan.Low,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfLogGroup},
		scan.CloudFormation: {cfnLogGroup},
	},
	Seeds: []string{"000 §3", "003 Encryption at Rest"},
	Rationale: "Seed 000 §3 keeps CloudWatch Logs encrypted at rest and suggests customer-managed keys for more " +
		"control; seed 003 encrypts the pipeline's log groups with KMS. Without kms_key_id CloudWatch encrypts with a " +
		"service key nobody can restrict or audit separately; database logs can hold statements, user names and " +
		"host names.",
	Remediation: "Set kms_key_id (KmsKeyId) to a customer-managed key whose policy lets the logs service principal " +
		"of the region use it.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_cloudwatch_log_group" "mysql" {
  retention_in_days = 731
  kms_key_id        = aws_kms_key.logs.arn
}`,
		scan.CloudFormation: `MySQLLogs:
  Type: AWS::Logs::LogGroup
  Properties:
    RetentionInDays: 731
    KmsKeyId: !GetAtt LogsKey.Arn`,
	},
	Trivy:   []string{"AVD-AWS-0017"},
	Checkov: []string{"CKV_AWS_158"},
	Check: func(p *scan.Project, out *scan.Out) {
		rs, _, key := logGroups(p)
		for _, r := range rs {
			wantCMK(out, r, r.Attr(key[r]), key[r])
		}
	},
}

var logRetentionExplicit = &scan.Rule{
	ID:       "DBW-LOG-003",
	Title:    "CloudWatch log group without an explicit retention",
	Severity: scan.Low,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfLogGroup},
		scan.CloudFormation: {cfnLogGroup},
	},
	Seeds: []string{"000 Security Checklist", "003 Logging and Monitoring", "003 Regulatory Compliance"},
	Rationale: "Seed 000's checklist asks to configure log retention, and seed 003 aligns retention policies with " +
		"compliance requirements, GDPR's data minimisation among them. A log group without retention keeps every " +
		"event forever: it meets any minimum, but nobody decided how long personal data in logs is kept.",
	Remediation: "Set retention_in_days (RetentionInDays) to the period the compliance regime asks for.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_cloudwatch_log_group" "mysql" {
  retention_in_days = 731
}`,
		scan.CloudFormation: `MySQLLogs:
  Type: AWS::Logs::LogGroup
  Properties:
    RetentionInDays: 731`,
	},
	Checkov: []string{"CKV_AWS_66"},
	Check: func(p *scan.Project, out *scan.Out) {
		rs, retention, _ := logGroups(p)
		for _, r := range rs {
			v := r.Attr(retention[r])
			if !v.Known() {
				continue // written; DBW-LOG-001 reports it as unknown
			}
			switch n, ok := v.Number(); {
			case !v.Set():
				out.Fail(r, v, "%s is not set: logs are kept forever", retention[r])
			case ok && n == 0:
				out.Fail(r, v, "%s is 0: logs are kept forever", retention[r])
			}
		}
	},
}

// runsMySQL reports whether an EC2 instance runs MySQL or MariaDB, judged by
// its name, tags and user data.
func runsMySQL(r *scan.Resource) bool {
	has := func(s string) bool {
		s = strings.ToLower(s)
		return strings.Contains(s, "mysql") || strings.Contains(s, "mariadb")
	}
	if has(r.Address) {
		return true
	}
	for _, name := range []string{"user_data", "user_data_base64", "UserData"} {
		s := strOf(r.Attr(name))
		if has(s) {
			return true
		}
		if b, err := base64.StdEncoding.DecodeString(s); err == nil && has(string(b)) {
			return true
		}
	}
	tags := r.Attr("tags")
	for _, k := range tags.Keys() {
		if has(strOf(tags.Map[k])) {
			return true
		}
	}
	for _, t := range r.Attr("Tags").Items() {
		if has(strOf(t.Get("Value"))) {
			return true
		}
	}
	return false
}

// alarmDimensions returns the dimension values of an alarm, of its own
// metric and of the metrics of a metric-math query.
func alarmDimensions(a *scan.Resource) []*scan.Value {
	var out []*scan.Value
	if a.Lang == scan.Terraform {
		add := func(dims *scan.Value) {
			for _, k := range dims.Keys() {
				out = append(out, dims.Map[k])
			}
			if dims.Set() && dims.Kind != scan.Map {
				out = append(out, dims) // a whole map from a variable
			}
		}
		add(a.Attr("dimensions"))
		for _, q := range a.Attr("metric_query").Items() {
			for _, m := range q.Get("metric").Items() {
				add(m.Get("dimensions"))
			}
		}
		return out
	}
	add := func(dims *scan.Value) {
		for _, d := range dims.Items() {
			if d.Kind == scan.Map {
				out = append(out, d.Get("Value"))
			} else {
				out = append(out, d)
			}
		}
	}
	add(a.Attr("Dimensions"))
	for _, m := range a.Attr("Metrics").Items() {
		add(m.Get("MetricStat", "Metric", "Dimensions"))
	}
	return out
}

var logDBAlarms = &scan.Rule{
	ID:       "DBW-LOG-004",
	Title:    "Database without a CloudWatch alarm that notifies someone",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfDBInstance, tfEC2, tfAlarm},
		scan.CloudFormation: {cfnDBInstance, cfnEC2, cfnAlarm},
	},
	Seeds: []string{"000 §4", "000 Security Checklist", "001 Common Security Mistakes", "002 §4", "003 Metrics and Alarms"},
	Rationale: "Seed 000 sets up CloudWatch alarms on the MySQL host (memory, disk) and its checklist asks for them; " +
		"seed 001 lists skipping monitoring and alarms as a common mistake; seed 002 §4 sends alarm notifications " +
		"through SNS to administrators; seed 003 alarms on critical failures with SNS notifications. A database " +
		"with no alarm on its metrics, or whose alarms have no alarm_actions, fails silently.",
	Remediation: "Add an aws_cloudwatch_metric_alarm (AWS::CloudWatch::Alarm) whose dimensions name the database " +
		"(DBInstanceIdentifier, or InstanceId for MySQL on EC2) and whose alarm_actions (AlarmActions) send to an " +
		"SNS topic.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_cloudwatch_metric_alarm" "mysql_cpu" {
  alarm_name          = "mysql-high-cpu"
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.mysql.identifier }
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  evaluation_periods  = 2
  period              = 300
  statistic           = "Average"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}`,
		scan.CloudFormation: `CpuAlarm:
  Type: AWS::CloudWatch::Alarm
  Properties:
    Namespace: AWS/RDS
    MetricName: CPUUtilization
    Dimensions:
      - Name: DBInstanceIdentifier
        Value: !Ref Database
    ComparisonOperator: GreaterThanThreshold
    Threshold: 80
    EvaluationPeriods: 2
    Period: 300
    Statistic: Average
    AlarmActions: [!Ref AlertTopic]`,
	},
	Check: func(p *scan.Project, out *scan.Out) {
		type target struct {
			r *scan.Resource
			// also are resources whose alarms count for r (an Aurora
			// member's cluster).
			also  []string
			names []string
		}
		var tf, cfn []target
		for _, r := range tfResources(p, tfDBInstance) {
			tf = append(tf, target{r: r, names: []string{strOf(r.Attr("identifier"))}})
		}
		for _, r := range tfResources(p, tfEC2) {
			if runsMySQL(r) {
				tf = append(tf, target{r: r})
			}
		}
		for _, r := range cfnResources(p, cfnDBInstance) {
			t := target{r: r, names: []string{strOf(r.Attr("DBInstanceIdentifier"))}}
			if v := r.Attr("DBClusterIdentifier"); written(v) {
				t.also = refsIn(v)
				t.names = append(t.names, strOf(v))
			}
			cfn = append(cfn, t)
		}
		for _, r := range cfnResources(p, cfnEC2) {
			if runsMySQL(r) {
				cfn = append(cfn, target{r: r})
			}
		}
		check := func(ts []target, alarms []*scan.Resource, actionsKey, enabledKey string) {
			if len(ts) == 0 {
				return
			}
			known := knownAddrs(p, ts[0].r.Lang)
			for _, t := range ts {
				var matched []*scan.Resource
				maybe := false
				for _, a := range alarms {
					hit := false
					for _, d := range alarmDimensions(a) {
						if d.RefersTo(t.r.Address) {
							hit = true
						}
						for _, addr := range t.also {
							if d.RefersTo(addr) {
								hit = true
							}
						}
						if s := strOf(d); s != "" {
							for _, n := range t.names {
								if n == s {
									hit = true
								}
							}
						}
						if opaqueRef(d, known) {
							maybe = true
						}
					}
					if hit {
						matched = append(matched, a)
					}
				}
				if len(matched) == 0 {
					if maybe {
						out.Unknown(t.r, nil, "an alarm's dimensions are only known when applied: cannot tell whether it watches this database")
					} else {
						out.Fail(t.r, nil, "no CloudWatch alarm has this database in its dimensions")
					}
					continue
				}
				notifies := false
				for _, a := range matched {
					on, known := a.Attr(enabledKey).True(true)
					if written(a.Attr(actionsKey)) && (on || !known) {
						notifies = true
					}
				}
				if !notifies {
					out.Fail(t.r, nil, "alarm %s watches this database but has no %s: nobody is notified", matched[0].Address, actionsKey)
				}
			}
		}
		check(tf, tfResources(p, tfAlarm), "alarm_actions", "actions_enabled")
		check(cfn, cfnResources(p, cfnAlarm), "AlarmActions", "ActionsEnabled")
	},
}

var snsEncrypted = &scan.Rule{
	ID:       "DBW-SNS-001",
	Title:    "SNS topic not encrypted with KMS",
	Severity: scan.Medium,
	Applies: map[scan.Lang][]string{
		scan.Terraform:      {tfSNSTopic},
		scan.CloudFormation: {cfnSNSTopic},
	},
	Seeds: []string{"003 Encryption in Transit", "002 §4", "003 Metrics and Alarms"},
	Rationale: "Seed 003 encrypts SNS notifications with KMS, and seeds 002 and 003 send alarm and security-event " +
		"notifications through SNS topics. Without server-side encryption the messages, which name databases, " +
		"failures and operations, are stored in the clear until delivered.",
	Remediation: "Set kms_master_key_id (KmsMasterKeyId) to a KMS key, a customer-managed one whose policy lets " +
		"CloudWatch and the publishers use it.",
	Example: map[scan.Lang]string{
		scan.Terraform: `resource "aws_sns_topic" "alerts" {
  name              = "dbwarden-alerts"
  kms_master_key_id = aws_kms_key.alerts.id
}`,
		scan.CloudFormation: `AlertTopic:
  Type: AWS::SNS::Topic
  Properties:
    KmsMasterKeyId: !Ref AlertsKey`,
	},
	Trivy:   []string{"AVD-AWS-0095"},
	Checkov: []string{"CKV_AWS_26"},
	Check: func(p *scan.Project, out *scan.Out) {
		for _, r := range tfResources(p, tfSNSTopic) {
			wantSet(out, r, r.Attr("kms_master_key_id"), "kms_master_key_id")
		}
		for _, r := range cfnResources(p, cfnSNSTopic) {
			wantSet(out, r, r.Attr("KmsMasterKeyId"), "KmsMasterKeyId")
		}
	},
}
