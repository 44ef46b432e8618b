"""Date and number formats per language that differ from Django's (FORMAT_MODULE_PATH)."""
