// Package schedule reads Secrets Manager rotation rules (RotationRules:
// AutomaticallyAfterDays, ScheduleExpression and Duration) and computes when
// the next rotation window opens and closes. All times are UTC.
//
// # What AWS documents
//
// From the Secrets Manager API reference (RotationRulesType) and user guide
// (Rotation schedules):
//
//   - RotationRules holds AutomaticallyAfterDays or ScheduleExpression, not
//     both. AutomaticallyAfterDays is 1 to 1000; the next rotation date is
//     calculated from the previous rotation.
//   - ScheduleExpression is 1 to 256 characters of letters, digits, spaces
//     and ( ) # ? * - / , and is rate(Value Unit), with Unit one of hour,
//     hours, day, days, or cron(Minutes Hours Day-of-month Month Day-of-week
//     Year). A secret rotates at most every four hours; the longest rate is
//     999 days.
//   - Cron fields: Minutes must be 0 (windows open on the hour); Hours 0-23;
//     Day-of-month 1-31 with , - * ? / L W; Month 1-12 or JAN-DEC with
//     , - * /; Day-of-week 1-7 or SUN-SAT (1 is Sunday) with , - * ? / L #;
//     Year must be * (schedules are never more than a year apart). Only one
//     of Day-of-month and Day-of-week may hold a value; the other is ?.
//     Increments of hours restart every day: cron(0 4/12 * * ? *) is 04:00
//     and 16:00 each day. L is the last day of the month (Day-of-month) or
//     of the week (Day-of-week, Saturday); xL in Day-of-week is the last
//     x-day of the month; nW is the weekday nearest day n; x#n is the n-th
//     x-day of the month.
//   - Duration is the window length in hours, "3h" for three hours, one hour
//     at least. Without it the window of a schedule in hours closes after one
//     hour, and that of a schedule in days at the end of the UTC day. A
//     window must not extend into the next UTC day (start hour plus Duration
//     at most 24) or into the next window (for a schedule in hours, Duration
//     at most the hours between rotations).
//
// The general AWS cron syntax that ParseCron reads (the EventBridge form)
// also allows any minute 0-59 and years 1970-2199 with , - * /; Parse
// applies Secrets Manager's narrower rules on top of it.
//
// # Where dbwarden chooses
//
//   - Rate windows. The user guide says a rate() window opens at midnight;
//     the API reference says the next date is counted from the previous
//     rotation. dbwarden opens the window exactly N hours or days after the
//     last rotation, as moto does, so the interval is never shorter than
//     asked. The window then lasts Duration, or by default one hour for
//     hours and 24 hours for days (the length of the documented whole-day
//     window), and may cross midnight. AutomaticallyAfterDays N is read as
//     rate(N days).
//   - rate() in hours takes 4 to 23; longer intervals are written in days.
//   - * next to a value: AWS's own example cron(0 1 * 1/3 SUN *) puts * in
//     Day-of-month beside a Day-of-week value. A * beside a value is read as
//     ?; two values, two ? or two * are refused.
//   - The four-hour minimum for cron counts the gap from a day's last hour
//     to the next day's first hour only when two consecutive days can both
//     match, so cron(0 0,22 ? * SUN *) is accepted and cron(0 0,22 * * ? *)
//     is not. A cron that can never match is refused.
//   - Ranges must go upwards (no FRI-MON); a/b means a, a+b, ... up to the
//     field's maximum; nW with n beyond the month's last day does not match
//     that month; W, L and # stand alone in their field (no lists); LW is
//     not supported; x#n takes n from 1 to 5; names are case-insensitive.
//   - Next searches up to the end of 2199, the last year AWS cron knows, and
//     returns zero times when nothing matches before then.
package schedule
