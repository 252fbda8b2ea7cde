"""Tendering rules as pure functions: projects' phases, schedules, announcements, opening forms."""
