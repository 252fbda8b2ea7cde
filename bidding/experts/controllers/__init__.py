"""HTTP: the expert pool for the administrator and the supervisor, an expert's own record, the specialty tree."""
