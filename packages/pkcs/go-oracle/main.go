// go-oracle: what Go's crypto/x509 (the library kube-apiserver and kube-controller-manager use)
// decides about certificates, chains and CSRs. Standard library only; built by the pkcs test
// run (packages/pkcs/src/testing/oracles/go-oracle.ts) and fed a JSON batch on stdin.
//
//	go-oracle names   < [{"der": "<base64 certificate>"}, ...]
//	go-oracle csr     < [{"der": "<base64 CSR>"}, ...]
//	go-oracle verify  < [{"leaf": "<b64>", "intermediates": [...], "roots": [...], "time": "RFC3339"}, ...]
//
// Output: one JSON array, one answer per input, in order.
package main

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

type attribute struct {
	Oid string `json:"oid"`
	// Tag is the ASN.1 universal tag number of the value as encoded (12 UTF8String, 19 PrintableString, ...).
	Tag int `json:"tag"`
	// IsString is true when Go's reading of the value is a string (only then does it feed CN/O).
	IsString bool `json:"isString"`
	// ValueHex is the UTF-8 bytes of Go's string (exact even when they are not valid UTF-8).
	ValueHex string `json:"valueHex"`
}

type nameAnswer struct {
	Error string `json:"error,omitempty"`
	// Rdns: every RDN with its attributes, in encoded order.
	Rdns [][]attribute `json:"rdns"`
	// CommonNameHex: Subject.CommonName (what kube-apiserver uses as the user name), hex of its bytes.
	CommonNameHex string `json:"commonNameHex"`
	// OrganizationHex: Subject.Organization (what kube-apiserver uses as the groups).
	OrganizationHex []string `json:"organizationHex"`
}

type rawATV struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}
type rawRDNSET []rawATV
type rawRDNs []rawRDNSET

// describe pairs the raw RDN structure (tags) with Go's parsed values (pkix.Name.Names, flattened in order).
func describe(rawSubject []byte, name pkix.Name) nameAnswer {
	var rdns rawRDNs
	rest, err := asn1.Unmarshal(rawSubject, &rdns)
	out := nameAnswer{Rdns: [][]attribute{}, OrganizationHex: []string{}}
	if err != nil || len(rest) != 0 {
		out.Error = fmt.Sprintf("raw subject does not re-parse: %v", err)
		return out
	}
	k := 0
	for _, rdn := range rdns {
		attrs := []attribute{}
		for _, atv := range rdn {
			a := attribute{Oid: atv.Type.String(), Tag: atv.Value.Tag}
			if k < len(name.Names) {
				if s, ok := name.Names[k].Value.(string); ok {
					a.IsString = true
					a.ValueHex = hex.EncodeToString([]byte(s))
				}
			}
			k++
			attrs = append(attrs, a)
		}
		out.Rdns = append(out.Rdns, attrs)
	}
	out.CommonNameHex = hex.EncodeToString([]byte(name.CommonName))
	for _, o := range name.Organization {
		out.OrganizationHex = append(out.OrganizationHex, hex.EncodeToString([]byte(o)))
	}
	return out
}

type derInput struct {
	Der string `json:"der"`
}

type verifyInput struct {
	Leaf          string   `json:"leaf"`
	Intermediates []string `json:"intermediates"`
	Roots         []string `json:"roots"`
	Time          string   `json:"time"`
}

type verifyAnswer struct {
	Ok    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	// Chains: every chain Go accepts, as lists of indexes: -1 the leaf, i>=0 roots[i] as "r<i>", intermediates as "i<i>".
	Chains [][]string `json:"chains"`
}

func decodeB64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		fail("bad base64 input: %v", err)
	}
	return b
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "go-oracle: "+format+"\n", a...)
	os.Exit(2)
}

// readNames applies parse (x509.ParseCertificate or x509.ParseCertificateRequest) to each input and
// describes the subject Go read, or the error Go refused it with.
func readNames(in []derInput, parse func([]byte) ([]byte, pkix.Name, error)) []nameAnswer {
	out := make([]nameAnswer, 0, len(in))
	for _, i := range in {
		raw, name, err := parse(decodeB64(i.Der))
		if err != nil {
			out = append(out, nameAnswer{Error: err.Error(), Rdns: [][]attribute{}, OrganizationHex: []string{}})
			continue
		}
		out = append(out, describe(raw, name))
	}
	return out
}

func parseCertificateSubject(der []byte) ([]byte, pkix.Name, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, pkix.Name{}, err
	}
	return c.RawSubject, c.Subject, nil
}

func parseCSRSubject(der []byte) ([]byte, pkix.Name, error) {
	c, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, pkix.Name{}, err
	}
	return c.RawSubject, c.Subject, nil
}

func verify(in []verifyInput) []verifyAnswer {
	out := make([]verifyAnswer, 0, len(in))
	for _, i := range in {
		out = append(out, verifyOne(i))
	}
	return out
}

func verifyOne(i verifyInput) verifyAnswer {
	label := map[*x509.Certificate]string{}
	leaf, err := x509.ParseCertificate(decodeB64(i.Leaf))
	if err != nil {
		return verifyAnswer{Error: "leaf: " + err.Error(), Chains: [][]string{}}
	}
	label[leaf] = "leaf"
	roots := x509.NewCertPool()
	for k, r := range i.Roots {
		c, err := x509.ParseCertificate(decodeB64(r))
		if err != nil {
			continue // a root Go cannot parse is not in its pool
		}
		label[c] = fmt.Sprintf("r%d", k)
		roots.AddCert(c)
	}
	inters := x509.NewCertPool()
	for k, r := range i.Intermediates {
		c, err := x509.ParseCertificate(decodeB64(r))
		if err != nil {
			continue
		}
		label[c] = fmt.Sprintf("i%d", k)
		inters.AddCert(c)
	}
	t, err := time.Parse(time.RFC3339Nano, i.Time)
	if err != nil {
		fail("bad time %q", i.Time)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: t, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return verifyAnswer{Error: err.Error(), Chains: [][]string{}}
	}
	out := verifyAnswer{Ok: true, Chains: [][]string{}}
	for _, ch := range chains {
		ids := []string{}
		for _, c := range ch {
			ids = append(ids, label[c])
		}
		out.Chains = append(out.Chains, ids)
	}
	return out
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: go-oracle names|csr|verify < batch.json")
	}
	dec := json.NewDecoder(os.Stdin)
	var result any
	switch os.Args[1] {
	case "names", "csr":
		var in []derInput
		if err := dec.Decode(&in); err != nil {
			fail("bad input: %v", err)
		}
		if os.Args[1] == "names" {
			result = readNames(in, parseCertificateSubject)
		} else {
			result = readNames(in, parseCSRSubject)
		}
	case "verify":
		var in []verifyInput
		if err := dec.Decode(&in); err != nil {
			fail("bad input: %v", err)
		}
		result = verify(in)
	default:
		fail("unknown subcommand %q", os.Args[1])
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(result); err != nil {
		fail("cannot write output: %v", err)
	}
}
