"""More than one room: Wyoming satellites (and this machine's own audio) around one Tandem.

Tandem dials out to each satellite (`link.py`), hears each room with its own speech loop over ONE
shared recognizer (`recognizer.py`), speaks back through the satellite's speaker (`output.py`),
and keeps one dialog and one journal for the couple (`hub.py`): a ritual belongs to the room it
was asked in, a wake phrase heard in two rooms is answered once (`arbiter.py`), and `serve.py`
assembles it all for `tandem serve`.
"""
