// Package load finds the inputs of a scan on disk and hands each to its
// loader: Terraform directories, CloudFormation templates, Compose files,
// IAM policy documents, my.cnf files, environment files, Dockerfiles and
// .gitignore files.
package load

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dbwarden/dbwarden/internal/scan"
	"github.com/dbwarden/dbwarden/internal/scan/cloudformation"
	"github.com/dbwarden/dbwarden/internal/scan/compose"
	"github.com/dbwarden/dbwarden/internal/scan/dockerfile"
	"github.com/dbwarden/dbwarden/internal/scan/dotenv"
	"github.com/dbwarden/dbwarden/internal/scan/iampolicy"
	"github.com/dbwarden/dbwarden/internal/scan/mycnf"
	"github.com/dbwarden/dbwarden/internal/scan/terraform"
)

// Options carry the inputs the languages take besides files.
type Options struct {
	Terraform terraform.Options
	// Params override CloudFormation parameter defaults.
	Params map[string]string
}

// skipDirs are never descended into.
var skipDirs = map[string]bool{".git": true, ".terraform": true, "node_modules": true, ".hg": true, ".svn": true}

// Paths loads every input found under paths (files or directories) into p.
// Errors of single files are joined and returned; everything that did load
// is in p.
func Paths(p *scan.Project, paths []string, opts Options) error {
	var errs []error
	for _, root := range paths {
		st, err := os.Stat(root)
		if err != nil {
			errs = append(errs, fmt.Errorf("scan %s: %w", root, err))
			continue
		}
		if !st.IsDir() {
			if filepath.Ext(root) == ".tf" {
				errs = append(errs, terraform.LoadDir(p, filepath.Dir(root), opts.Terraform))
				continue
			}
			errs = append(errs, file(p, root, true, opts))
			continue
		}
		errs = append(errs, terraform.LoadTree(p, root, opts.Terraform))
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != root && skipDirs[d.Name()] {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			errs = append(errs, file(p, path, false, opts))
			return nil
		})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// file loads one file that is not Terraform. named says the user named it:
// a file of no known kind is then an error rather than skipped.
func file(p *scan.Project, path string, named bool, opts Options) error {
	name := filepath.Base(path)
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case name == ".gitignore":
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		p.Add(gitignore(path, src))
		return nil
	case dockerfile.Detect(name):
		src, err := readHead(path)
		if err != nil {
			return err
		}
		return dockerfile.Load(p, path, src)
	case dotenv.Detect(name):
		src, err := readHead(path)
		if err != nil {
			return err
		}
		return dotenv.Load(p, path, src)
	case ext == ".tf" || ext == ".tfvars" || strings.HasSuffix(name, ".tf.json"):
		return nil // loaded with their directory
	case ext == ".yaml" || ext == ".yml" || ext == ".json" || ext == ".template":
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch {
		case cloudformation.Detect(name, src):
			return cloudformation.Load(p, filepath.ToSlash(path), src, opts.Params)
		case ext != ".json" && ext != ".template" && compose.Detect(name, src):
			return compose.Load(p, path, src)
		case ext == ".json" && iampolicy.Detect(src):
			if p.IsEmbedded(path) {
				return nil // read by Terraform's file(), checked in the resource that reads it
			}
			return iampolicy.Load(p, path, src)
		case named:
			return fmt.Errorf("%s: not a CloudFormation template (no Resources with AWS:: types), Compose file (no services) or IAM policy document (no Statement)", path)
		}
		return nil
	case ext == ".cnf" || ext == ".ini" || strings.Contains(filepath.ToSlash(path), "/conf.d/"):
		src, err := readHead(path)
		if err != nil {
			return err
		}
		if !mycnf.Detect(name, src) {
			if named {
				return fmt.Errorf("%s: not a MySQL option file", path)
			}
			return nil
		}
		return mycnf.Load(p, path)
	}
	if named {
		return fmt.Errorf("%s: not a file dbwarden scans (Terraform, CloudFormation, Compose, IAM policy JSON, my.cnf, .env, Dockerfile)", path)
	}
	return nil
}

func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return buf[:n], nil
}

func gitignore(path string, src []byte) *scan.Resource {
	var pats []*scan.Value
	for i, line := range bytes.Split(src, []byte("\n")) {
		l := strings.TrimSpace(string(line))
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		v := scan.Str(l)
		v.Range = scan.Range{File: filepath.ToSlash(path), Line: i + 1}
		pats = append(pats, v)
	}
	return &scan.Resource{
		Lang: scan.Git, Kind: "gitignore", Type: "gitignore",
		Address: filepath.ToSlash(path),
		Attrs:   &scan.Value{Kind: scan.Map, Map: map[string]*scan.Value{"patterns": {Kind: scan.List, List: pats}}},
		Range:   scan.Range{File: filepath.ToSlash(path), Line: 1},
		Dir:     filepath.ToSlash(filepath.Dir(path)),
	}
}
