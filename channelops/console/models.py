"""The console has no data of its own."""
