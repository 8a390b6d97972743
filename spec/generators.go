package spec

import "gopkg.in/yaml.v3"

func generatorAddress(name string) string { return "generator/" + name }

// generate is not written yet: a generator is reported, not ignored.
func (l *loader) generate(d *decoder, item *yaml.Node) {
	l.ds.add(d.doc.pos(item), itemAddress("generators", item), "generators are not supported yet")
}
