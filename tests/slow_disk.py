"""A slow disk for crash tests: writes through ``os.fdopen`` go out in small chunks with pauses,
so that a SIGKILL sent at a random moment usually lands in the middle of writing a file.

Imported by the writer subprocesses of test_saving.py and test_resume.py.
"""
import os
import time


class SlowFile:
    def __init__(self, fh, chunk):
        self.fh, self.chunk = fh, chunk

    def write(self, data):
        for i in range(0, len(data), self.chunk):
            self.fh.write(data[i:i + self.chunk])
            self.fh.flush()
            time.sleep(0.002)
        return len(data)

    def __getattr__(self, name):
        return getattr(self.fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.fh.__exit__(*exc)


def install(chunk: int) -> None:
    """From now on, files opened with ``os.fdopen`` (glassnet's atomic writes) are slow."""
    fdopen = os.fdopen
    os.fdopen = lambda *a, **k: SlowFile(fdopen(*a, **k), chunk)
