"""Fuzz harnesses for pyvswitch's decoders and parsers; see fuzz/README.md."""
