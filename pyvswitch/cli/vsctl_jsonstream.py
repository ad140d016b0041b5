"""A fast drop-in for python-ovs's pure-Python JSON stream parser.

python-ovs's jsonrpc feeds received text to ovs.json.Parser one chunk at a
time; without its optional C extension that parser lexes character by
character and dominates pyvs-vsctl's run time.  StreamParser offers the same
feed/is_done/finish interface: it finds where the first complete top-level
JSON value ends by scanning only strings and brackets with a regular
expression (resuming where the previous chunk stopped), then decodes exactly
that prefix with the standard library's C-accelerated json module.
"""
import json
import re

_SCAN = re.compile(r'"(?:[^"\\]|\\.)*"|[][{}]|"', re.S)


class StreamParser:
    def __init__(self, check_trailer=False):
        self._buf = ""
        self._scan = 0
        self._depth = 0
        self._result = None
        self.done = False

    def feed(self, text):
        if self.done:
            return 0
        base = len(self._buf)
        self._buf += text
        buf = self._buf
        pos = self._scan
        while True:
            match = _SCAN.search(buf, pos)
            if match is None:
                pos = len(buf)
                break
            token = match.group()
            if token == '"':
                pos = match.start()
                break
            pos = match.end()
            if token[0] == '"':
                continue
            self._depth += 1 if token in "[{" else -1
            if self._depth == 0:
                try:
                    self._result = json.loads(buf[:pos])
                except ValueError as e:
                    self._result = "syntax error: %s" % e
                self.done = True
                return pos - base
        self._scan = pos
        return len(text)

    def is_done(self):
        return self.done

    def finish(self):
        if not self.done:
            return "unexpected end of input"
        return self._result


def install():
    """Makes python-ovs's jsonrpc use StreamParser (no-op with its C parser)."""
    import ovs.json
    if ovs.json.PARSER != ovs.json.PARSER_C:
        ovs.json.Parser = StreamParser
