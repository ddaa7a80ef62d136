// Command goverify checks a C2SP tlog-tiles log with Go's golang.org/x/mod/sumdb packages
// only, none of FairFollow's code: the checkpoint's signature (sumdb/note), every full and
// partial tile of the signed tree against the signed root, every entry against its leaf
// hash, and an inclusion proof built from the tiles (sumdb/tlog) for a release leaf.
//
// Usage: goverify <URL prefix or directory> <verifier key> <origin>
// Prints one JSON line on success; exits 1 naming the first failure.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8
const width = 1 << height

var prefix string

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "goverify: "+format+"\n", args...)
	os.Exit(1)
}

func fetch(path string) ([]byte, error) {
	if strings.HasPrefix(prefix, "http://") || strings.HasPrefix(prefix, "https://") {
		resp, err := http.Get(strings.TrimSuffix(prefix, "/") + "/" + path)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return io.ReadAll(resp.Body)
	}
	return os.ReadFile(filepath.Join(prefix, filepath.FromSlash(path)))
}

// tilePath is the C2SP tlog-tiles path (no height element, unlike Go's sumdb paths).
func tilePath(level string, n int64, w int) string {
	digits := strconv.FormatInt(n, 10)
	for len(digits)%3 != 0 {
		digits = "0" + digits
	}
	var groups []string
	for i := 0; i < len(digits); i += 3 {
		groups = append(groups, digits[i:i+3])
	}
	for i := 0; i < len(groups)-1; i++ {
		groups[i] = "x" + groups[i]
	}
	p := "tile/" + level + "/" + strings.Join(groups, "/")
	if w < width {
		p += ".p/" + strconv.Itoa(w)
	}
	return p
}

type reader struct{}

func (reader) Height() int { return height }

func (reader) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		data, err := fetch(tilePath(strconv.Itoa(t.L), t.N, t.W))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (reader) SaveTiles([]tlog.Tile, [][]byte) {}

// mth is the RFC 6962 tree hash of the given leaf-level hashes, computed here.
func mth(hs []tlog.Hash) tlog.Hash {
	if len(hs) == 1 {
		return hs[0]
	}
	k := 1
	for k*2 < len(hs) {
		k *= 2
	}
	return tlog.NodeHash(mth(hs[:k]), mth(hs[k:]))
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: goverify PREFIX VKEY ORIGIN")
	}
	prefix = os.Args[1]
	verifier, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fail("verifier key: %v", err)
	}
	raw, err := fetch("checkpoint")
	if err != nil {
		fail("checkpoint: %v", err)
	}
	opened, err := note.Open(raw, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.Split(opened.Text, "\n")
	if len(lines) < 4 || lines[0] != os.Args[3] {
		fail("checkpoint origin %q, want %q", lines[0], os.Args[3])
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		fail("checkpoint size %q", lines[1])
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		fail("checkpoint root %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], rootBytes)
	if size == 0 {
		if root != tlog.Hash(sha256.Sum256(nil)) {
			fail("empty tree with a root other than SHA-256 of the empty string")
		}
		fmt.Println(`{"size":0}`)
		return
	}

	// Every hash tile of the tree, level by level: full tiles and the partial right edge.
	levels := [][]tlog.Hash{}
	tileCount := 0
	for l := 0; size>>(uint(height*l)) > 0; l++ {
		count := size >> uint(height*l)
		var hashes []tlog.Hash
		for n := int64(0); n*width < count; n++ {
			w := int(count - n*width)
			if w > width {
				w = width
			}
			data, err := fetch(tilePath(strconv.Itoa(l), n, w))
			if err != nil {
				fail("tile %s: %v", tilePath(strconv.Itoa(l), n, w), err)
			}
			if len(data) != w*tlog.HashSize {
				fail("tile %s holds %d bytes, want %d", tilePath(strconv.Itoa(l), n, w), len(data), w*tlog.HashSize)
			}
			for i := 0; i < w; i++ {
				var h tlog.Hash
				copy(h[:], data[i*tlog.HashSize:])
				hashes = append(hashes, h)
			}
			tileCount++
		}
		levels = append(levels, hashes)
	}
	// The leaf hashes must make the signed root ...
	if mth(levels[0]) != root {
		fail("the level-0 tiles do not hash to the signed root")
	}
	// ... and every higher-level hash must be its 256 children's tree hash.
	for l := 1; l < len(levels); l++ {
		for j, h := range levels[l] {
			if mth(levels[l-1][j*width:(j+1)*width]) != h {
				fail("tile level %d hash %d is not the hash of its children", l, j)
			}
		}
	}
	// Go's own tile reader and tree hash agree with the signed root.
	tree := tlog.Tree{N: size, Hash: root}
	hr := tlog.TileHashReader(tree, reader{})
	th, err := tlog.TreeHash(size, hr)
	if err != nil || th != root {
		fail("tlog.TreeHash over the tiles: %v", err)
	}

	// Every entry bundle: each entry's record hash is its leaf hash.
	release := int64(-1)
	for n := int64(0); n*width < size; n++ {
		w := int(size - n*width)
		if w > width {
			w = width
		}
		data, err := fetch(tilePath("entries", n, w))
		if err != nil {
			fail("entries %d: %v", n, err)
		}
		i := int64(0)
		for pos := 0; pos < len(data); i++ {
			if pos+2 > len(data) {
				fail("entry bundle %d truncated", n)
			}
			length := int(data[pos])<<8 | int(data[pos+1])
			if pos+2+length > len(data) {
				fail("entry bundle %d truncated", n)
			}
			entry := data[pos+2 : pos+2+length]
			pos += 2 + length
			index := n*width + i
			if index >= size || tlog.RecordHash(entry) != levels[0][index] {
				fail("entry %d does not match its leaf hash", index)
			}
			var leaf struct {
				Kind string `json:"kind"`
			}
			if json.Unmarshal(entry, &leaf) == nil && leaf.Kind == "release" {
				release = index
			}
		}
		if i != int64(w) {
			fail("entry bundle %d holds %d entries, want %d", n, i, w)
		}
	}

	// An inclusion proof for the last release leaf, built from the tiles by Go's tlog.
	result := map[string]interface{}{"origin": lines[0], "size": size, "tiles": tileCount}
	if release >= 0 {
		proof, err := tlog.ProveRecord(size, release, hr)
		if err != nil {
			fail("proof for leaf %d: %v", release, err)
		}
		if err := tlog.CheckRecord(proof, size, root, release, levels[0][release]); err != nil {
			fail("inclusion of leaf %d: %v", release, err)
		}
		result["release_leaf"] = release
		result["proof_hashes"] = len(proof)
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(bytes.TrimSpace(out)))
}
