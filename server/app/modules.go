package app

import (
	"github.com/specfirst/specfirst/server/cvm"
	"github.com/specfirst/specfirst/server/module"
	"github.com/specfirst/specfirst/server/tsuru"
)

// Modules is the one list of APIs: adding an API is one line here, plus its own package
// (docs/ARCHITECTURE.md). Each comes with its default options.
func Modules() []module.Module {
	return []module.Module{
		cvm.Module(),
		tsuru.Module(tsuru.Options{}),
	}
}
