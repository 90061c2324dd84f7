"""`tandem report`: the couple's figures as a terminal table (`table.py`) and a self-contained HTML page
(`charts.py` draws with matplotlib into inline SVG, `page.py` assembles and writes the page).

All of it reads one `Figures` (assistant/journal/figures.py), the same figures Tandem speaks from.
"""
