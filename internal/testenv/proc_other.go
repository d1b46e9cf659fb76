//go:build !unix

package testenv

import (
	"os"
	"os/exec"
)

func setProcessGroup(*exec.Cmd) {}

func stopProcess(p *os.Process) { _ = p.Kill() }

func killProcess(p *os.Process) { _ = p.Kill() }
