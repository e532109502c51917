"""Helpers shared by the tests.  ``refs`` holds independent references: it imports scipy.constants,
never nernst."""
