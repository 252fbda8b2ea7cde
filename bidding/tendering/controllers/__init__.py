"""HTTP: the agent's drafts and publication, and the public portal."""
