"""Statistics (统计, issue 25): the figures a centre publishes in its yearly report, computed from
the platform's own rows, and the centre's internal charts with their filters and CSV downloads
(``docs/frontend-admin.md``)."""
