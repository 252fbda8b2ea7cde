"""Bid submission: staged uploads, verification, receipts, withdrawal and bodies opened after the opening."""
