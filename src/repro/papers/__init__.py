"""The methods of single papers, one subpackage per part of the book
(``repro.papers.<part>.<module>`` serves ``notebooks/<part>/<slug>.py``). A method that a
second chapter needs moves to the building block it belongs to.
"""
