"""Projects, lots, tender documents, announcements and clarifications: from draft to publication."""
