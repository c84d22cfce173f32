package cvm

import (
	"errors"
	"testing"
)

func TestTransition(t *testing.T) {
	tests := []struct {
		from    State
		action  Action
		want    State
		refused bool
	}{
		{Stopped, Start, Running, false},
		{Running, Start, Running, false},
		{Running, Stop, Stopped, false},
		{Stopped, Stop, Stopped, false},
		{Running, Restart, Running, false},
		{Stopped, Restart, Running, false},
		{Suspended, Start, Suspended, true},
		{Suspended, Stop, Suspended, true},
		{Suspended, Restart, Suspended, true},
		{Terminated, Start, Terminated, true},
		{Terminated, Stop, Terminated, true},
		{Terminated, Restart, Terminated, true},
	}
	for _, tc := range tests {
		t.Run(string(tc.from)+"/"+string(tc.action), func(t *testing.T) {
			got, err := Transition(tc.from, tc.action)
			var ae *ActionError
			if tc.refused != errors.As(err, &ae) {
				t.Fatalf("err = %v, want refused=%v", err, tc.refused)
			}
			if got != tc.want {
				t.Errorf("state = %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := Transition(Unknown, Start); err == nil {
		t.Error("a transition from the never-stored state unknown must fail")
	}
}

func TestActionErrorMessage(t *testing.T) {
	got := (&ActionError{Action: Stop, State: Terminated}).Error()
	if want := "The VPS could not be shut down because it is terminated."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
