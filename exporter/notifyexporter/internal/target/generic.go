package target

import (
	"encoding/json"
	"fmt"
)

// EncodeJSON is v as a JSON body; typ names the target type in the error.
// A Message given as v is the generic payload of webhook and file targets:
// every notification field plus the rendered title and text.
func EncodeJSON(typ string, v any) (Payload, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Payload{}, fmt.Errorf("encode %s payload: %w", typ, err)
	}
	return Payload{Body: b, ContentType: "application/json"}, nil
}
