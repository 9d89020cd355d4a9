// Package fingerprint holds the one fingerprint of a command's payload that idempotent
// commands store beside their key, so that a retry (same key, same payload) is told from
// a key reused for something else.
package fingerprint
