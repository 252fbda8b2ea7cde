"""The Python client of the platform: what `bidding login` and `bidding room join` run on a
bidder's own machine. Private keys are read locally and never sent anywhere."""
