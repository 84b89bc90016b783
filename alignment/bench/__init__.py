"""`make bench`: an organisation at 1×, 10× and 100× the demo, its pages against a static
page of the same size, and the outbox against raw smtplib
(alignment/management/commands/bench.py)."""
