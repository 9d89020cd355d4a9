// Package enum holds the one parse and unmarshal rule of kehu's string enums: input is
// trimmed and lower-cased, an unknown value is a *kehu.ValidationError naming the field with
// rule "enum", and empty text unmarshals to the unset value.
package enum
