// The test stack's SBOM generator: a stand-in for docker/buildkit-syft-scanner (which cannot be
// pulled here) that speaks BuildKit's SBOM generator protocol
// (https://github.com/moby/buildkit/blob/master/docs/attestations/sbom-protocol.md):
//
//   - BUILDKIT_SCAN_SOURCE       the build result's root filesystem, mounted read-only;
//   - BUILDKIT_SCAN_SOURCE_EXTRAS optional directory of further root filesystems;
//   - BUILDKIT_SCAN_DESTINATION  where to write one in-toto statement per scan, named
//     <target>.spdx.json, whose predicate is an SPDX 2.3 JSON document.
//
// It finds far fewer kinds of package than Syft, but every one it reports is read from the
// filesystem it was given: dpkg and apk databases, Python dist-info metadata, the build info Go
// embeds in its binaries, and a BusyBox binary's version string.
package main

import (
	"bufio"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

type pkg struct {
	Name    string
	Version string
	Type    string // purl type: deb, apk, pypi, golang, generic
	Found   string // path inside the scanned filesystem
	Comment string
}

type spdxPackage struct {
	Name             string        `json:"name"`
	SPDXID           string        `json:"SPDXID"`
	VersionInfo      string        `json:"versionInfo,omitempty"`
	DownloadLocation string        `json:"downloadLocation"`
	FilesAnalyzed    bool          `json:"filesAnalyzed"`
	SourceInfo       string        `json:"sourceInfo,omitempty"`
	Comment          string        `json:"comment,omitempty"`
	ExternalRefs     []externalRef `json:"externalRefs,omitempty"`
}

type externalRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type relationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

func main() {
	dest := os.Getenv("BUILDKIT_SCAN_DESTINATION")
	source := os.Getenv("BUILDKIT_SCAN_SOURCE")
	if dest == "" || source == "" {
		fail("BUILDKIT_SCAN_DESTINATION and BUILDKIT_SCAN_SOURCE are required")
	}
	targets := map[string]string{filepath.Base(source): source}
	// Extras are optional: unset, empty or missing means none (the protocol says so).
	if extras := os.Getenv("BUILDKIT_SCAN_SOURCE_EXTRAS"); extras != "" {
		if entries, err := os.ReadDir(extras); err == nil {
			for _, e := range entries {
				if e.IsDir() {
					targets[e.Name()] = filepath.Join(extras, e.Name())
				}
			}
		}
	}
	for name, root := range targets {
		pkgs, err := scan(root)
		if err != nil {
			fail(fmt.Sprintf("scanning %s: %v", name, err))
		}
		if err := write(filepath.Join(dest, name+".spdx.json"), name, pkgs); err != nil {
			fail(err.Error())
		}
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "sbom-generator:", msg)
	os.Exit(1)
}

func scan(root string) ([]pkg, error) {
	var out []pkg
	out = append(out, dpkg(root)...)
	out = append(out, apk(root)...)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable corners are skipped, not fatal
		}
		rel := "/" + strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
		if d.IsDir() {
			if rel == "/proc" || rel == "/sys" || rel == "/dev" {
				return filepath.SkipDir
			}
			if strings.HasSuffix(d.Name(), ".dist-info") {
				if pk, ok := distInfo(p, rel); ok {
					out = append(out, pk)
				}
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil || info.Mode().Perm()&0o111 == 0 || info.Size() == 0 {
			return nil
		}
		if d.Name() == "busybox" {
			if pk, ok := busybox(p, rel); ok {
				out = append(out, pk)
			}
			return nil
		}
		out = append(out, goBinary(p, rel)...)
		return nil
	})
	return out, err
}

// dpkg reads /var/lib/dpkg/status (installed packages only) and distroless' status.d files.
func dpkg(root string) []pkg {
	var out []pkg
	files := []string{filepath.Join(root, "var/lib/dpkg/status")}
	if more, err := filepath.Glob(filepath.Join(root, "var/lib/dpkg/status.d/*")); err == nil {
		files = append(files, more...)
	}
	for _, f := range files {
		for _, para := range paragraphs(f, ": ") {
			if para["Package"] == "" || (para["Status"] != "" && !strings.HasSuffix(para["Status"], " installed")) {
				continue
			}
			out = append(out, pkg{Name: para["Package"], Version: para["Version"], Type: "deb", Found: strings.TrimPrefix(f, root)})
		}
	}
	return out
}

// apk reads Alpine's installed database: P: name, V: version.
func apk(root string) []pkg {
	var out []pkg
	f := filepath.Join(root, "lib/apk/db/installed")
	for _, para := range paragraphs(f, ":") {
		if para["P"] != "" {
			out = append(out, pkg{Name: para["P"], Version: para["V"], Type: "apk", Found: "/lib/apk/db/installed"})
		}
	}
	return out
}

// paragraphs splits a blank-line separated key/value file (dpkg status, apk installed).
func paragraphs(file, sep string) []map[string]string {
	fh, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer fh.Close()
	var out []map[string]string
	cur := map[string]string{}
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = map[string]string{}
			continue
		}
		if k, v, ok := strings.Cut(line, sep); ok && !strings.HasPrefix(line, " ") {
			cur[k] = strings.TrimSpace(v)
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func distInfo(dir, rel string) (pkg, bool) {
	paras := paragraphs(filepath.Join(dir, "METADATA"), ": ")
	if len(paras) == 0 || paras[0]["Name"] == "" {
		return pkg{}, false
	}
	return pkg{Name: paras[0]["Name"], Version: paras[0]["Version"], Type: "pypi", Found: rel}, true
}

var busyboxVersion = regexp.MustCompile(`BusyBox v([0-9]+\.[0-9]+\.[0-9]+)`)

func busybox(p, rel string) (pkg, bool) {
	b, err := os.ReadFile(p)
	if err != nil {
		return pkg{}, false
	}
	m := busyboxVersion.FindSubmatch(b)
	if m == nil {
		return pkg{}, false
	}
	return pkg{Name: "busybox", Version: string(m[1]), Type: "generic", Found: rel}, true
}

// goBinary lists the main module, its dependencies and the standard library of a Go binary,
// with the GOOS/GOARCH it was built for (so each platform's SBOM says whose binary it read).
func goBinary(p, rel string) []pkg {
	bi, err := buildinfo.ReadFile(p)
	if err != nil {
		return nil
	}
	target := ""
	for _, s := range bi.Settings {
		if s.Key == "GOOS" || s.Key == "GOARCH" {
			target += s.Key + "=" + s.Value + " "
		}
	}
	comment := strings.TrimSpace("Go binary " + rel + " built with " + bi.GoVersion + " " + target)
	out := []pkg{{Name: "stdlib", Version: bi.GoVersion, Type: "golang", Found: rel, Comment: comment}}
	if bi.Main.Path != "" {
		out = append(out, pkg{Name: bi.Main.Path, Version: bi.Main.Version, Type: "golang", Found: rel, Comment: comment})
	}
	for _, d := range bi.Deps {
		out = append(out, pkg{Name: d.Path, Version: d.Version, Type: "golang", Found: rel, Comment: comment})
	}
	return out
}

func write(file, name string, pkgs []pkg) error {
	sort.SliceStable(pkgs, func(i, j int) bool {
		if pkgs[i].Found != pkgs[j].Found {
			return pkgs[i].Found < pkgs[j].Found
		}
		return pkgs[i].Name < pkgs[j].Name
	})
	h := sha256.New()
	packages := make([]spdxPackage, 0, len(pkgs))
	rels := []relationship{}
	for i, pk := range pkgs {
		id := fmt.Sprintf("SPDXRef-Package-%d", i+1)
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\n", pk.Type, pk.Name, pk.Version, pk.Found)
		sp := spdxPackage{Name: pk.Name, SPDXID: id, VersionInfo: pk.Version, DownloadLocation: "NOASSERTION", SourceInfo: "found in " + pk.Found, Comment: pk.Comment}
		if pk.Type != "generic" {
			sp.ExternalRefs = []externalRef{{Category: "PACKAGE-MANAGER", Type: "purl", Locator: fmt.Sprintf("pkg:%s/%s@%s", pk.Type, pk.Name, pk.Version)}}
		}
		packages = append(packages, sp)
		rels = append(rels, relationship{Element: "SPDXRef-DOCUMENT", Type: "DESCRIBES", Related: id})
	}
	doc := map[string]any{
		"spdxVersion":       "SPDX-2.3",
		"dataLicense":       "CC0-1.0",
		"SPDXID":            "SPDXRef-DOCUMENT",
		"name":              name,
		"documentNamespace": "https://multiarch.invalid/sbom/" + name + "-" + hex.EncodeToString(h.Sum(nil))[:16],
		"creationInfo":      map[string]any{"created": created(), "creators": []string{"Tool: multiarch-test-sbom-generator"}},
		"packages":          packages,
		"relationships":     rels,
	}
	// BuildKit fills in the subject (the image it scanned) when it attaches the statement.
	statement := map[string]any{
		"_type":         "https://in-toto.io/Statement/v0.1",
		"predicateType": "https://spdx.dev/Document",
		"subject":       []any{},
		"predicate":     doc,
	}
	b, err := json.Marshal(statement)
	if err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o644)
}

// created honours SOURCE_DATE_EPOCH, so a rebuilt scan is byte-identical when asked to be.
func created() string {
	t := time.Now().UTC()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		var n int64
		if _, err := fmt.Sscan(s, &n); err == nil {
			t = time.Unix(n, 0).UTC()
		}
	}
	return t.Format(time.RFC3339)
}
