// Package strictjson decodes the JSON definitions the loaders read (a loyalty programme, a
// care calendar, a contact plan, a complaint policy, a questionnaire) strictly, and names
// every problem by its full path.
//
// Decode reads at most a document's limit, refuses unknown fields and anything after the
// top-level value, and turns every failure into a *kehu.ValidationError. When the JSON is
// well formed but does not fit the Go type, it is walked again beside the type, as
// encoding/json walks it, so that each offending value is named where it is:
// "playbook[1].chanels" (rule "unknown_field", with the nearest known field suggested),
// "levels[0].priority" (the rule of the value's own UnmarshalText or UnmarshalJSON, such as
// "enum"), "point_types[1].floor" (rule "type" for a value of the wrong JSON type). A
// problem with the document as a whole (empty, too long, a syntax error, trailing data) is
// on the document's root name.
package strictjson
