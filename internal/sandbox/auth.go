package sandbox

import "net/http"

// authRequest is the body of POST /api/thirdparty/auth.
type authRequest struct {
	APIKey    *string `json:"api_key"`
	APISecret *string `json:"api_secret"`
}

// auth exchanges an api key and secret for a token, returned in the
// gn-access-token response header ("Body > Header" in the docs) and not
// in the body, so a client that reads only the body fails here as it
// would against the real API.
func (s *Server) auth(req *apiRequest) reply {
	var in authRequest
	if err := decodeBody(req.body, &in); err != nil {
		return bad1099("%v", err)
	}
	if in.APIKey == nil || in.APISecret == nil || *in.APIKey == "" || *in.APISecret == "" {
		return bad1099("api_key and api_secret are required")
	}
	key, found := s.st.apiKey(*in.APIKey)
	if !found {
		return fail(http.StatusNotFound, "5235", "Brand not exists.", "unknown api_key")
	}
	if key.Secret != *in.APISecret {
		return fail(http.StatusPreconditionFailed, "5166", "XXXX-[Invalid Use of API]", "wrong api_secret")
	}
	rep := ok("XXXX-[Token generated successfully.]", nil)
	rep.changed = false
	rep.header = http.Header{"Gn-Access-Token": {key.Token}}
	return rep
}
