package genuin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// authRequest is the documented body of POST /api/thirdparty/auth.
type authRequest struct {
	APIKey    string `json:"api_key"`
	APISecret string `json:"api_secret"`
}

// tokenHeader is the response header that carries the token (research-notes §2).
const tokenHeader = "gn-access-token"

// Authenticate exchanges the API key and secret for a token now, replacing
// the current token. Calls do this lazily; use it to fail early. Like every
// call it ends within Options.CallTimeout.
func (c *Client) Authenticate(ctx context.Context) error {
	if c.apiKey == "" {
		return errors.New("genuin: auth: no API key and secret configured")
	}
	ctx, b, cancel := c.startCall(ctx)
	defer cancel()
	if err := c.lockExchange(ctx); err != nil {
		return err
	}
	defer c.unlockExchange()
	tok, err := c.exchange(ctx, b)
	if err != nil {
		return err
	}
	c.setToken(tok)
	return nil
}

// bearer returns the token to send, exchanging the key and secret first,
// within the call's budget b, when there is none. Concurrent callers share
// one exchange.
func (c *Client) bearer(ctx context.Context, b budget) (string, error) {
	if t := c.currentToken(); t != "" {
		return t, nil
	}
	if err := c.lockExchange(ctx); err != nil {
		return "", err
	}
	defer c.unlockExchange()
	if t := c.currentToken(); t != "" {
		return t, nil // another caller exchanged while we waited
	}
	tok, err := c.exchange(ctx, b)
	if err != nil {
		return "", err
	}
	c.setToken(tok)
	return tok, nil
}

func (c *Client) lockExchange(ctx context.Context) error {
	select {
	case c.exchanging <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("auth: waiting for another token exchange: %w", stopCause(ctx))
	}
}

func (c *Client) unlockExchange() { <-c.exchanging }

func (c *Client) currentToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

func (c *Client) setToken(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token = tok
}

// dropToken forgets a refused token, unless another caller already replaced it.
func (c *Client) dropToken(old string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == old {
		c.token = ""
	}
}

// exchange calls POST /api/thirdparty/auth. The token is read from the
// gn-access-token response header, else from data.token or
// data["gn-access-token"] in the body (the docs show no body; a guess).
// The token is a secret from then on (scrubbed, passed to OnSecret).
func (c *Client) exchange(ctx context.Context, b budget) (string, error) {
	if c.apiKey == "" {
		return "", &APIError{Op: "auth", Kind: KindAuth, Message: "no token and no API key and secret"}
	}
	payload, err := json.Marshal(authRequest{APIKey: c.apiKey, APISecret: c.apiSecret})
	if err != nil {
		return "", fmt.Errorf("auth: encoding the request: %w", err)
	}
	var tok string
	err = c.retry(ctx, b, retryIdempotent, func() error {
		res, e := c.send(ctx, "auth", http.MethodPost, pathAuth, payload, "")
		if e != nil {
			return e
		}
		tok = res.header.Get(tokenHeader)
		if tok == "" {
			var data map[string]json.RawMessage
			if json.Unmarshal(res.data, &data) == nil {
				for _, k := range []string{"token", tokenHeader} {
					if s := rawString(data[k]); s != "" {
						tok = s
						break
					}
				}
			}
		}
		if tok == "" {
			return &APIError{Op: "auth", Status: http.StatusOK, Kind: KindAuth,
				Message: "the response carries no " + tokenHeader + " header (nor data.token)"}
		}
		c.addSecret(tok)
		return nil
	})
	if err != nil {
		return "", err
	}
	return tok, nil
}
