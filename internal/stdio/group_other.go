//go:build !unix

package stdio

import "os/exec"

func setProcessGroup(cmd *exec.Cmd) {}

// Without process groups only the direct child can be signalled.
func terminateGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

func killGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
