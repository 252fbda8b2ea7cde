"""Domain services: database work for the API, jobs and CLI, free of HTTP."""
