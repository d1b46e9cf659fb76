// Package compose loads Docker Compose files: each service becomes a
// resource, so that the rules can read what the seeds' MySQL containers
// are started with (their environment, command and health check).
package compose

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/yamlval"
	"go.yaml.in/yaml/v3"
)

// Type is the resource type of every service.
const Type = "service"

// Detect reports whether src, a YAML file called name, is a Compose file:
// a top-level services mapping, of services with an image or a build
// unless the file is named as Compose names its files (where a service
// may also come from extends). A file so named that does not parse is one
// too, so that its syntax error is reported rather than the file skipped.
func Detect(name string, src []byte) bool {
	base := strings.ToLower(path.Base(filepath.ToSlash(name)))
	named, _ := path.Match("*compose*.y*ml", base)
	named = named && !strings.Contains(base, "composer")
	if !bytes.Contains(src, []byte("services")) {
		return false
	}
	var top struct {
		Services map[string]map[string]any `yaml:"services"`
	}
	if err := yaml.Unmarshal(src, &top); err != nil {
		var probe map[string]any
		return named && yaml.Unmarshal(src, &probe) != nil // broken YAML, not another shape
	}
	for _, s := range top.Services {
		if named || s["image"] != nil || s["build"] != nil {
			return true
		}
	}
	return false
}

// Load adds the services of the Compose file src, read from file, to p.
func Load(p *scan.Project, file string, src []byte) error {
	file = filepath.ToSlash(file)
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return fmt.Errorf("%s: not a Compose file: %v", file, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil // empty
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: a Compose file is a mapping with services", file, root.Line)
	}
	var services *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "services" {
			services = root.Content[i+1]
		}
	}
	if services == nil {
		return nil // a file of networks or volumes only
	}
	if services.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: services is a mapping of service names", file, services.Line)
	}
	var rs []*scan.Resource
	for i := 0; i+1 < len(services.Content); i += 2 {
		k, n := services.Content[i], services.Content[i+1]
		v, err := yamlval.Convert(file, n, yamlval.Options{})
		if err != nil {
			return err
		}
		if v.Kind != scan.Map {
			return fmt.Errorf("%s:%d: service %s is not a mapping", file, k.Line, k.Value)
		}
		rs = append(rs, &scan.Resource{
			Lang:    scan.Compose,
			Kind:    "service",
			Type:    Type,
			Address: "services." + k.Value,
			Attrs:   v,
			Range:   scan.Range{File: file, Line: k.Line, EndLine: yamlval.LastLine(n)},
			Dir:     path.Dir(file),
		})
	}
	p.AddFile(file, src)
	p.Add(rs...)
	return nil
}
