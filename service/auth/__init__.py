"""Better Auth credentials: the middleware and authenticator, HS256 JWTs, keys
of the jwt() plugin (database table or JWKS URL) and session tokens."""
