"""Tandem: an offline voice assistant that keeps a couple's small daily moments of connection.

The package folders follow the flow of a spoken command:
audio in -> wake -> recognize -> understand -> rituals/dialog -> speak (voice and chimes) -> journal.
"""

__version__ = "0.1.0"
