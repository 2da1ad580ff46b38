// A Go net/http identity responder like the seed's web server: every path answers
// "hostname: <id>\n" as text/plain, with the same headers as the other peers in the benchmark.
// Built by the benchmark harness with `go build` (standard library only).
package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: server <port> <id> [region]")
		os.Exit(2)
	}
	port, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad port:", err)
		os.Exit(2)
	}
	id := os.Args[2]
	region := ""
	if len(os.Args) > 3 {
		region = os.Args[3]
	}
	body := []byte("hostname: " + id + "\n")
	length := strconv.Itoa(len(body))
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"text/plain; charset=utf-8"}
		h["Content-Length"] = []string{length}
		h["X-Served-By"] = []string{id}
		if region != "" {
			h["X-Origin-Region"] = []string{region}
		}
		h["Cache-Control"] = []string{"no-store"}
		w.Write(body)
	})
	if err := http.ListenAndServe(fmt.Sprintf("127.0.0.1:%d", port), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
