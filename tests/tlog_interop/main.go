// tlog_interop: an outside check of Custody's auditor checkpoints with the
// Go implementations of the C2SP signed note (golang.org/x/mod/sumdb/note)
// and of the RFC 6962 tree (golang.org/x/mod/sumdb/tlog), as Debian 12
// ships them (golang-golang-x-mod-dev). Custody's code is not used here:
// the cosignature verifier below is written from c2sp.org/tlog-cosignature.
//
// Built offline in GOPATH mode (see build.sh). Usage:
//
//	tlog_interop genkey NAME SKEYFILE VKEYFILE
//	tlog_interop verify NOTE VKEY...           prints "SIZE ROOT" of a note signed by every key's line
//	tlog_interop root LEAVES N                 RFC 6962 root (base64) of the first N leaves
//	tlog_interop sign SKEY ORIGIN LEAVES N     prints a checkpoint note of the first N leaves
//	tlog_interop prove LEAVES M N              consistency proof M -> N, a base64 hash a line
//	tlog_interop check OLD NEW PROOF VKEY...   verifies both notes and the proof (tlog.CheckTree)
//	tlog_interop bench N REPS                  the peer of tools/bench/checkpoint_bench
//
// LEAVES is `custody checkpoint leaves` output: base64 of one event's stored
// bytes a line. Exit 1 with a message on any failure.
package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlog_interop: "+format+"\n", args...)
	os.Exit(1)
}

// cosigVerifier verifies a cosignature/v1 line (algorithm 0x04).
type cosigVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	if t > 1<<63-1 {
		return false
	}
	m := []byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t))
	return ed25519.Verify(v.key, append(m, msg...), sig[8:])
}

func verifier(vkey string) note.Verifier {
	parts := strings.SplitN(vkey, "+", 3) // base64 may hold "+", a name may not
	if len(parts) == 3 {
		raw, err := base64.StdEncoding.DecodeString(parts[2])
		if err == nil && len(raw) == 33 && raw[0] == 0x04 {
			h := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
			hash := binary.BigEndian.Uint32(h[:4])
			if fmt.Sprintf("%08x", hash) != parts[1] {
				die("cosigner key %s: key ID does not match", vkey)
			}
			return &cosigVerifier{parts[0], hash, ed25519.PublicKey(raw[1:])}
		}
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		die("verifier key %s: %v", vkey, err)
	}
	return v
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// openCheckpoint verifies msg with every key (each must have signed it)
// and parses the C2SP checkpoint body.
func openCheckpoint(msg []byte, vkeys []string) checkpoint {
	var vs []note.Verifier
	for _, k := range vkeys {
		vs = append(vs, verifier(k))
	}
	n, err := note.Open(msg, note.VerifierList(vs...))
	if err != nil {
		die("note: %v", err)
	}
	if len(n.Sigs) != len(vs) {
		die("note: %d of %d keys signed it", len(n.Sigs), len(vs))
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		die("checkpoint: want origin, size and root lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		die("checkpoint: bad size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		die("checkpoint: bad root %q", lines[2])
	}
	var c checkpoint
	c.origin, c.size = lines[0], size
	copy(c.root[:], root)
	return c
}

func readFile(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	return b
}

// tree holds the tlog stored hashes of LEAVES.
type tree struct {
	stored []tlog.Hash
	n      int64
}

func (t *tree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(t.stored)) {
			return nil, errors.New("hash index out of range")
		}
		out[i] = t.stored[x]
	}
	return out, nil
}

func loadTree(path string) *tree {
	t := &tree{}
	sc := bufio.NewScanner(bytes.NewReader(readFile(path)))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		data, err := base64.StdEncoding.DecodeString(sc.Text())
		if err != nil {
			die("leaf %d: %v", t.n, err)
		}
		h, err := tlog.StoredHashes(t.n, data, t)
		if err != nil {
			die("%v", err)
		}
		t.stored = append(t.stored, h...)
		t.n++
	}
	return t
}

func atoi(s string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		die("%q is not a number", s)
	}
	return v
}

func (t *tree) root(n int64) tlog.Hash {
	if n > t.n {
		die("the tree has %d leaves, not %d", t.n, n)
	}
	if n == 0 {
		return tlog.Hash(sha256.Sum256(nil))
	}
	h, err := tlog.TreeHash(n, t)
	if err != nil {
		die("%v", err)
	}
	return h
}

func b64(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

func main() {
	a := os.Args[1:]
	if len(a) == 0 {
		die("usage: see the source")
	}
	switch {
	case a[0] == "genkey" && len(a) == 4:
		skey, vkey, err := note.GenerateKey(rand.Reader, a[1])
		if err != nil {
			die("%v", err)
		}
		if os.WriteFile(a[2], []byte(skey+"\n"), 0600) != nil || os.WriteFile(a[3], []byte(vkey+"\n"), 0644) != nil {
			die("cannot write the keys")
		}
	case a[0] == "verify" && len(a) >= 3:
		c := openCheckpoint(readFile(a[1]), a[2:])
		fmt.Printf("%s %d %s\n", c.origin, c.size, b64(c.root))
	case a[0] == "root" && len(a) == 3:
		fmt.Println(b64(loadTree(a[1]).root(atoi(a[2]))))
	case a[0] == "sign" && len(a) == 5:
		signer, err := note.NewSigner(strings.TrimSpace(string(readFile(a[1]))))
		if err != nil {
			die("%v", err)
		}
		n := atoi(a[4])
		text := fmt.Sprintf("%s\n%d\n%s\n", a[2], n, b64(loadTree(a[3]).root(n)))
		msg, err := note.Sign(&note.Note{Text: text}, signer)
		if err != nil {
			die("%v", err)
		}
		os.Stdout.Write(msg)
	case a[0] == "prove" && len(a) == 4:
		t := loadTree(a[1])
		m, n := atoi(a[2]), atoi(a[3])
		if n > t.n || m > n {
			die("bad sizes %d -> %d (tree of %d)", m, n, t.n)
		}
		p, err := tlog.ProveTree(n, m, t)
		if err != nil {
			die("%v", err)
		}
		for _, h := range p {
			fmt.Println(b64(h))
		}
	case a[0] == "check" && len(a) >= 5:
		old := openCheckpoint(readFile(a[1]), a[4:])
		cur := openCheckpoint(readFile(a[2]), a[4:])
		if old.origin != cur.origin {
			die("two logs: %q and %q", old.origin, cur.origin)
		}
		var proof tlog.TreeProof
		for _, line := range strings.Fields(string(readFile(a[3]))) {
			h, err := base64.StdEncoding.DecodeString(line)
			if err != nil || len(h) != tlog.HashSize {
				die("proof: bad hash %q", line)
			}
			var x tlog.Hash
			copy(x[:], h)
			proof = append(proof, x)
		}
		if old.size == cur.size {
			if old.root != cur.root || len(proof) != 0 {
				die("fork: same size %d, different roots", old.size)
			}
		} else if err := tlog.CheckTree(proof, cur.size, cur.root, old.size, old.root); err != nil {
			die("consistency %d -> %d: %v", old.size, cur.size, err)
		}
		fmt.Printf("consistent %d -> %d\n", old.size, cur.size)
	case a[0] == "bench" && len(a) == 3:
		bench(atoi(a[1]), int(atoi(a[2])))
	default:
		die("unknown command or wrong arguments: %v", a)
	}
}

// bench times what checkpoint_bench times, with Go's packages: for each old
// size m, tlog.ProveTree + tlog.CheckTree to N, and note.Open of a signed
// checkpoint of size m plus the same proof; the slowest m per repetition.
func bench(n int64, reps int) {
	t := &tree{}
	start := time.Now()
	event := make([]byte, 256)
	for i := int64(0); i < n; i++ {
		copy(event, fmt.Sprintf("event %d\x00", i))
		h, err := tlog.StoredHashes(i, event, t)
		if err != nil {
			die("%v", err)
		}
		t.stored = append(t.stored, h...)
		t.n++
	}
	fmt.Printf("go: tree of %d events built in %.0f ms\n", n, time.Since(start).Seconds()*1000)
	skey, vkey, _ := note.GenerateKey(rand.Reader, "bench")
	signer, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	olds := []int64{1, n / 3, n / 2, (n / 2) | 1, n - 1, n - 1000, 1 + (n*7)/11}
	top := t.root(n)
	var notes [][]byte
	for _, m := range olds {
		msg, _ := note.Sign(&note.Note{Text: fmt.Sprintf("bench\n%d\n%s\n", m, b64(t.root(m)))}, signer)
		notes = append(notes, msg)
	}
	var proofMin, proofMax, noteMin, noteMax float64
	for r := 0; r < reps; r++ {
		var wp, wn float64
		for i, m := range olds {
			s := time.Now()
			p, err := tlog.ProveTree(n, m, t)
			if err != nil || tlog.CheckTree(p, n, top, m, t.root(m)) != nil {
				die("bench: proof failed at %d", m)
			}
			e := time.Since(s).Seconds() * 1000
			s = time.Now()
			c := openCheckpointQuiet(notes[i], v)
			p2, _ := tlog.ProveTree(n, c.size, t)
			if tlog.CheckTree(p2, n, top, c.size, c.root) != nil {
				die("bench: note check failed at %d", m)
			}
			f := time.Since(s).Seconds() * 1000
			if e > wp {
				wp = e
			}
			if f > wn {
				wn = f
			}
		}
		if r == 0 || wp < proofMin {
			proofMin = wp
		}
		if wp > proofMax {
			proofMax = wp
		}
		if r == 0 || wn < noteMin {
			noteMin = wn
		}
		if wn > noteMax {
			noteMax = wn
		}
	}
	fmt.Printf("go: consistency proof + verify:       %.3f - %.3f ms\n", proofMin, proofMax)
	fmt.Printf("go: checkpoint note check (sig+proof): %.3f - %.3f ms\n", noteMin, noteMax)
}

func openCheckpointQuiet(msg []byte, v note.Verifier) checkpoint {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		die("%v", err)
	}
	lines := strings.Split(n.Text, "\n")
	size, _ := strconv.ParseInt(lines[1], 10, 64)
	root, _ := base64.StdEncoding.DecodeString(lines[2])
	var c checkpoint
	c.origin, c.size = lines[0], size
	copy(c.root[:], root)
	return c
}
