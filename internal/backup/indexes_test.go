package backup

import (
	"reflect"
	"testing"
)

func TestDeferrableKeys(t *testing.T) {
	sbtest := "CREATE TABLE `sbtest1` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `k` int(11) NOT NULL DEFAULT 0,\n  `c` char(120) NOT NULL DEFAULT '',\n" +
		"  PRIMARY KEY (`id`),\n  UNIQUE KEY `c_u` (`c`),\n  KEY `k_1` (`k`),\n  KEY `odd``name` (`c`(10),`k`) COMMENT 'x'\n) ENGINE=InnoDB"
	want := []secondaryKey{{"`k_1`", "KEY `k_1` (`k`)"}, {"`odd``name`", "KEY `odd``name` (`c`(10),`k`) COMMENT 'x'"}}
	if got := deferrableKeys(sbtest); !reflect.DeepEqual(got, want) {
		t.Errorf("sbtest: got %+v, want %+v", got, want)
	}
	for name, create := range map[string]string{
		"foreign key":      "CREATE TABLE `c` (\n  `id` int NOT NULL,\n  `p` int,\n  PRIMARY KEY (`id`),\n  KEY `p` (`p`),\n  CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `p` (`id`)\n)",
		"full-text":        "CREATE TABLE `d` (\n  `id` int NOT NULL,\n  `t` text,\n  PRIMARY KEY (`id`),\n  KEY `x` (`id`,`t`(3)),\n  FULLTEXT KEY `t` (`t`)\n)",
		"auto_increment":   "CREATE TABLE `a` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `v` int,\n  KEY `id` (`id`)\n)",
		"no secondary key": "CREATE TABLE `n` (\n  `id` int NOT NULL,\n  PRIMARY KEY (`id`)\n)",
	} {
		if got := deferrableKeys(create); len(got) != 0 {
			t.Errorf("%s: deferred %+v", name, got)
		}
	}
}
