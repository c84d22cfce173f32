package kit

import (
	"bufio"
	"encoding/json"
	"iter"
	"net/http"
)

// WriteJSONArray answers status with a JSON document made of prefix, an array of the
// values seq yields (each turned into its wire form by convert and encoded as it comes)
// and suffix — e.g. prefix `{"response":{"vpses":` and suffix `}}` — so that a list of
// any length is sent without being held in memory. The bytes are those encoding/json's
// Encoder writes for the whole document (compact, HTML-escaped, one newline at the end).
//
// An error from seq before the first value is returned, and the handler can still answer
// it; once the response has started, the connection is aborted (http.ErrAbortHandler)
// so that the client sees a failure rather than a list cut short.
func WriteJSONArray[T, W any](w http.ResponseWriter, status int, prefix, suffix string, seq iter.Seq2[T, error], convert func(T) W) error {
	var bw *bufio.Writer
	start := func() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		bw = bufio.NewWriterSize(w, 32<<10)
		bw.WriteString(prefix)
		bw.WriteByte('[')
	}
	n := 0
	for v, err := range seq {
		if err != nil {
			if bw == nil {
				return err
			}
			panic(http.ErrAbortHandler)
		}
		b, err := json.Marshal(convert(v))
		if err != nil {
			if bw == nil {
				return err
			}
			panic(http.ErrAbortHandler)
		}
		if bw == nil {
			start()
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		bw.Write(b)
		n++
	}
	if bw == nil {
		start()
	}
	bw.WriteString("]" + suffix + "\n")
	return bw.Flush()
}
