"""HTTP: my organisation's notifications and downloads."""
