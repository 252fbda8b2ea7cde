"""HTTP: the bidder's uploads, receipts and withdrawal, and the local store's direct-upload endpoint."""
