// A differential-test oracle: reads JSON lines {"fn": "duration"|"splithostport", "in": "..."} on
// stdin and answers each with one JSON line computed by Go's standard library itself. Standard
// library only (no module downloads here).
package main

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"strconv"
	"time"
)

type request struct {
	Fn string `json:"fn"`
	In string `json:"in"`
}

type answer struct {
	Ok   bool   `json:"ok"`
	Ns   string `json:"ns,omitempty"`
	Host string `json:"host,omitempty"`
	Port string `json:"port,omitempty"`
	Bool bool   `json:"bool,omitempty"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			panic(err)
		}
		var a answer
		switch r.Fn {
		case "duration":
			d, err := time.ParseDuration(r.In)
			a = answer{Ok: err == nil, Ns: strconv.FormatInt(int64(d), 10)}
		case "splithostport":
			h, p, err := net.SplitHostPort(r.In)
			a = answer{Ok: err == nil, Host: h, Port: p}
		case "parsebool":
			b, err := strconv.ParseBool(r.In)
			a = answer{Ok: err == nil, Bool: b}
		default:
			panic("unknown fn " + r.Fn)
		}
		if err := enc.Encode(a); err != nil {
			panic(err)
		}
	}
	out.Flush()
}
