"""Rules about the linter itself: its suppression comments."""
