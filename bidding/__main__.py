from bidding.cli import main

main()
