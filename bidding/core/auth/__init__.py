"""Who calls: session tokens, the authenticator and the Caller every use case takes."""
