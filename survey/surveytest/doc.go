// Package surveytest is the conformance suite every survey.Store passes: a host's own
// store runs it in three lines, under -race.
//
//	func TestMyStore(t *testing.T) {
//		surveytest.Run(t, func(t *testing.T) survey.Store { return mystore.New(t) })
//	}
package surveytest
