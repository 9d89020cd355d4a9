package enum_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kehu-crm/kehu"
	"github.com/kehu-crm/kehu/internal/enum"
)

type color string

func (c color) Valid() bool { return c == "red" || c == "blue" }

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    color
		wantErr bool
	}{
		{"red", "red", false},
		{"  BLUE ", "blue", false},
		{"green", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := enum.Parse[color]("paint.color", tt.in)
		if tt.wantErr {
			var verr *kehu.ValidationError
			require.True(t, errors.As(err, &verr), "Parse(%q)", tt.in)
			assert.True(t, verr.Has("paint.color", "enum"), "Parse(%q): %v", tt.in, err)
			continue
		}
		require.NoError(t, err, "Parse(%q)", tt.in)
		assert.Equal(t, tt.want, got)
	}
}

func TestUnmarshal(t *testing.T) {
	c := color("red")
	require.NoError(t, enum.Unmarshal("color", &c, nil))
	assert.Equal(t, color(""), c, "empty text is the unset value")
	require.NoError(t, enum.Unmarshal("color", &c, []byte("Blue")))
	assert.Equal(t, color("blue"), c)
	err := enum.Unmarshal("color", &c, []byte("mauve"))
	assert.ErrorIs(t, err, kehu.ErrInvalid)
	assert.Equal(t, color("blue"), c, "a failed unmarshal leaves dst alone")
}
