"""The top layer: the `airace` command line (`cli`) and the teaching dashboard (`dashboard`).

They may import the core (`simulation`) and `analysis`; nothing below them imports them
(`tests/test_layers.py` keeps that).
"""
