"""HTTP layer of statistics: the public figures and the centre's internal charts."""
