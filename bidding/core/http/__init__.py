"""HTTP plumbing shared by every capability: error envelope, guards, dependencies, OpenAPI, middleware."""
