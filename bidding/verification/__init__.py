"""Public verification of signed PDFs the platform issued or received."""
