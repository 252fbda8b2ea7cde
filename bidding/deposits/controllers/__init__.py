"""HTTP: the bidder's deposit and basic account, the centre's and the supervisor's views."""
