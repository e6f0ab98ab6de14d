"""The workstation agent of the reader bridge.

It runs on a workstation with only pyscard, httpx and cryptography installed: nothing in
this package may import Django or the server side of `reader_bridge`.
"""

__version__ = "1.0.0"
