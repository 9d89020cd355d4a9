package fingerprint

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Of returns a stable fingerprint of a command's payload: the hex SHA-256 of the command's
// kind and the payload's JSON. A payload JSON cannot encode is fingerprinted from its Go
// syntax instead, which is stable for the plain structs commands are.
func Of(kind string, payload any) string {
	b, err := json.Marshal(payload)
	if err != nil {
		b = fmt.Appendf(nil, "%#v", payload)
	}
	h := sha256.Sum256(append([]byte(kind+"\x00"), b...))
	return hex.EncodeToString(h[:])
}
