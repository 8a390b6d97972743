package benchdata

import (
	"bufio"
	"encoding/csv"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"gopkg.in/yaml.v3"
)

// Decode is the parse floor of a spec below dir: yaml.v3 decodes every
// .yaml file into a node tree and encoding/csv reads every .csv file, on
// GOMAXPROCS workers as the loader uses. It returns the number of files.
func Decode(dir string) (int, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	work := make(chan string)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for path := range work {
				if err := decodeFile(path); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for _, f := range files {
		work <- f
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return len(files), nil
}

func decodeFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	switch filepath.Ext(path) {
	case ".csv":
		_, err = csv.NewReader(bufio.NewReader(f)).ReadAll()
		return err
	case ".yaml", ".yml":
		var n yaml.Node
		return yaml.NewDecoder(bufio.NewReader(f)).Decode(&n)
	}
	return nil
}
