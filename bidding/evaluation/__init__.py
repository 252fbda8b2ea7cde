"""Electronic evaluation (电子评标, issue 20): the criteria a lot is evaluated by, and the rules that score it."""
