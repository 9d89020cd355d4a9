// Package complainttest is the conformance suite every complaint.Store passes: a host's
// own store runs it in three lines, under -race.
//
//	func TestMyStore(t *testing.T) {
//		complainttest.Run(t, func(t *testing.T) complaint.Store { return mystore.New(t) })
//	}
package complainttest
